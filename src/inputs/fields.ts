/** The shapes every input shares: one line, a boolean, one of a few choices; and the error that names the input. */
import { valueOf, type Get, type InputName } from './names.js'

/** The longest value a message shows whole; a longer one is cut, its length stated. */
export const SHOWN_CHARACTERS = 100

/**
 * A value as a message shows it: quoted, control characters escaped, and cut after SHOWN_CHARACTERS characters with
 * its length stated, so that a 100 KB input gives a message of one line, not one of 200,000 characters.
 */
export function quoted(value: string, max = SHOWN_CHARACTERS): string {
  if (value.length <= max) return JSON.stringify(value)
  return `${JSON.stringify(value.slice(0, max))}... (${value.length} characters)`
}

/** A bad input value: the message names the input, the value and what is accepted. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    message: string
  ) {
    super(`${input}: ${message}`)
    this.name = 'InputError'
  }
}

export function singleLine(input: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    throw new InputError(input, `${quoted(value)} contains a newline or control character; give it on one line`)
  }
  return value
}

/** An input on one line, or its default. */
export function lineOf(get: Get, name: InputName): string {
  return singleLine(name, valueOf(get, name))
}

export function parseBoolean(input: string, value: string): boolean {
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(input, `${quoted(value)} is not a boolean (accepted: true, false)`)
}

/** A boolean input, or its default. */
export function booleanOf(get: Get, name: InputName): boolean {
  return parseBoolean(name, valueOf(get, name))
}

export function parseChoice<T extends string>(input: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new InputError(input, `${quoted(value)} is not accepted (accepted: ${choices.join(', ')})`)
  }
  return value as T
}
