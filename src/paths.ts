/** Path relations shared by staging, relocation and packing. */
import path from 'node:path'

/** Whether `child` is `parent` or lies below it (both absolute, normalized). */
export function isWithin(child: string, parent: string): boolean {
  const rel = path.relative(parent, child)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel))
}
