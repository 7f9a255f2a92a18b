// Bundles the action's entry points into dist/ as ESM, the way actions/typescript-action does.
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import typescript from '@rollup/plugin-typescript'

/** @type {import("rollup").RollupOptions} */
const config = {
  input: {
    index: 'src/index.ts',
    post: 'src/post.ts',
    audit: 'src/audit-cli.ts',
    collect: 'src/collect-cli.ts'
  },
  output: {
    dir: 'dist',
    format: 'es',
    entryFileNames: '[name].js',
    chunkFileNames: 'lib/[name].js',
    sourcemap: false
  },
  onwarn(warning, warn) {
    // The toolkit's dependencies use `this` at module level and circular imports; both are harmless in Node.
    if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return
    warn(warning)
  },
  plugins: [
    typescript({ tsconfig: 'tsconfig.build.json', module: 'NodeNext', moduleResolution: 'NodeNext' }),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
    commonjs(),
    json()
  ]
}

export default config
