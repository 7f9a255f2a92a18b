/**
 * The jobs users run, from the moved tree: a real MPI program over PMIx (Debian's OpenMPI, built against the same
 * PMIx as the tree's mpi/pmix plugin), and PMI-2 through the tree's own libpmi2: a key-value exchange between two
 * ranks, and MPI_Comm_spawn's path (PMI2_Job_Spawn), which makes srun start the tree's srun.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Cluster } from './cluster.js'
import { check } from './procs.js'

const ALLREDUCE = `#include <mpi.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	int rank, size, mine, sum;
	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	mine = rank + 1;
	MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	printf("rank %d of %d: MPI_Allreduce sum %d\\n", rank, size, sum);
	MPI_Finalize();
	return 0;
}
`

const PMI2_KVS = `#include <stdio.h>
#include <slurm/pmi2.h>
int main(void)
{
	int spawned, size, rank, appnum, len;
	char job[256], key[64], value[256];
	if (PMI2_Init(&spawned, &size, &rank, &appnum) != PMI2_SUCCESS)
		return 1;
	PMI2_Job_GetId(job, sizeof(job));
	snprintf(key, sizeof(key), "greeting-%d", rank);
	snprintf(value, sizeof(value), "hello from rank %d", rank);
	if (PMI2_KVS_Put(key, value) || PMI2_KVS_Fence())
		return 2;
	snprintf(key, sizeof(key), "greeting-%d", (rank + 1) % size);
	if (PMI2_KVS_Get(job, PMI2_ID_NULL, key, value, sizeof(value), &len))
		return 3;
	printf("pmi2 rank %d of %d read \\"%s\\"\\n", rank, size, value);
	PMI2_Finalize();
	return 0;
}
`

/**
 * Spawns one process through PMI-2: srun's mpi/pmi2 plugin forks and executes the tree's srun to start it. The
 * spawned srun answers the spawner once it sees its task launched (it polls every 50 ms), so the task lives a few
 * seconds: one that ends at once can end before that answer, and the spawner would wait for ever.
 */
const PMI2_SPAWN = `#include <stdio.h>
#include <slurm/pmi2.h>
int main(void)
{
	int spawned, size, rank, appnum, errors[1] = { 0 };
	const char *cmds[1] = { "/bin/sh" };
	const char *args[2] = { "-c", "echo spawned through PMI2_Job_Spawn; sleep 5" };
	const char **argvs[1] = { args };
	int argcs[1] = { 2 }, maxprocs[1] = { 1 }, infos[1] = { 0 };
	char job[256];
	if (PMI2_Init(&spawned, &size, &rank, &appnum) != PMI2_SUCCESS)
		return 1;
	if (PMI2_Job_Spawn(1, cmds, argcs, argvs, maxprocs, infos, NULL, 0, NULL, job, sizeof(job), errors)
	    || errors[0])
		return 2;
	printf("spawner: PMI2_Job_Spawn started job %s\\n", job);
	PMI2_Finalize();
	return 0;
}
`

/** OpenMPI as root, in a container: allowed, and without the cross-memory-attach that ptrace limits forbid. */
const OMPI_ENV = {
  OMPI_ALLOW_RUN_AS_ROOT: '1',
  OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
  OMPI_MCA_btl_vader_single_copy_mechanism: 'none'
}

export interface MpiJobs {
  /** `srun --mpi=list`. */
  readonly mpiList: string
  /** The MPI program's lines, one per rank. */
  readonly allreduce: string
  readonly pmi2Kvs: string
  readonly pmi2Spawn: string
}

function compile(out: string, source: string, args: readonly string[], compiler = 'gcc'): string {
  const file = `${out}.c`
  writeFileSync(file, source)
  check(`${compiler} ${path.basename(file)}`, compiler, ['-O1', '-o', out, file, ...args])
  return out
}

export function mpiJobs(c: Cluster): MpiJobs {
  const dir = c.files.dir
  const list = c.check('srun --mpi=list', c.bin('srun'), ['--mpi=list'])
  const mpiList = `${list.stdout}${list.stderr}`.trim()
  if (!/\bpmix\b/.test(mpiList)) throw new Error(`srun --mpi=list does not name pmix:\n${mpiList}`)

  const allreduce = compile(path.join(dir, 'allreduce'), ALLREDUCE, [], 'mpicc')
  const mpi = c.check('srun --mpi=pmix -N1 -n2 allreduce', c.bin('srun'), ['--mpi=pmix', '-N1', '-n2', allreduce], {
    env: { ...c.env, ...OMPI_ENV },
    timeoutMs: 180_000
  })
  const ranks = mpi.stdout.trim().split('\n').sort()
  const expected = ['rank 0 of 2: MPI_Allreduce sum 3', 'rank 1 of 2: MPI_Allreduce sum 3']
  if (JSON.stringify(ranks) !== JSON.stringify(expected))
    throw new Error(`the MPI program printed:\n${mpi.stdout}${mpi.stderr}\nexpected:\n${expected.join('\n')}`)

  const pmi2 = [`-I${path.join(c.prefix, 'include')}`, `-L${path.join(c.prefix, 'lib')}`, '-lpmi2']
  const rpath = `-Wl,-rpath,${path.join(c.prefix, 'lib')}`
  const kvs = compile(path.join(dir, 'pmi2-kvs'), PMI2_KVS, [...pmi2, rpath])
  const kvsRun = c.check('srun --mpi=pmi2 -n2 pmi2-kvs', c.bin('srun'), ['--mpi=pmi2', '-N1', '-n2', kvs], {
    timeoutMs: 120_000
  })
  const kvsLines = kvsRun.stdout.trim().split('\n').sort()
  const kvsExpected = ['pmi2 rank 0 of 2 read "hello from rank 1"', 'pmi2 rank 1 of 2 read "hello from rank 0"']
  if (JSON.stringify(kvsLines) !== JSON.stringify(kvsExpected))
    throw new Error(`the PMI-2 program printed:\n${kvsRun.stdout}${kvsRun.stderr}`)

  return {
    mpiList,
    allreduce: ranks.join('\n'),
    pmi2Kvs: kvsLines.join('\n'),
    pmi2Spawn: pmi2Spawn(c, [...pmi2, rpath])
  }
}

/**
 * PMI-2 spawn in a two-CPU batch job: the spawner (one task) asks for one more process, srun executes the tree's
 * srun with `echo`. SLURM_OVERLAP lets the spawned step share the allocation's CPUs.
 */
function pmi2Spawn(c: Cluster, flags: readonly string[]): string {
  const dir = c.files.dir
  const spawner = compile(path.join(dir, 'pmi2-spawn'), PMI2_SPAWN, flags)
  const script = path.join(dir, 'spawn-job.sh')
  const out = path.join(dir, 'spawn-job.out')
  writeFileSync(script, `#!/bin/bash\nexport SLURM_OVERLAP=1\n"$1" --mpi=pmi2 -n1 "$2"\nsleep 7\n`, {
    mode: 0o755
  })
  c.check(
    'sbatch --wait -n2 (PMI-2 spawn)',
    c.bin('sbatch'),
    ['--wait', '-N1', '-n2', `--chdir=${dir}`, `--output=${out}`, script, c.bin('srun'), spawner],
    { timeoutMs: 180_000 }
  )
  const text = check('cat', 'cat', [out]).stdout
  if (!/spawner: PMI2_Job_Spawn started job/.test(text) || !/spawned through PMI2_Job_Spawn/.test(text))
    throw new Error(`PMI-2 spawn did not run the spawned process; the job printed:\n${text}`)
  return text.trim()
}
