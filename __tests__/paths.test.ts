import { describe, expect, test } from '@jest/globals'
import { isWithin } from '../src/paths.js'

describe('isWithin', () => {
  test('a path is within itself and its parents, not within a sibling that shares its prefix', () => {
    expect(isWithin('/a/b', '/a/b')).toBe(true)
    expect(isWithin('/a/b/c', '/a/b')).toBe(true)
    expect(isWithin('/a/bc', '/a/b')).toBe(false)
    expect(isWithin('/a', '/a/b')).toBe(false)
    expect(isWithin('/a/b/../c', '/a/b')).toBe(false)
    expect(isWithin('/a/..b', '/a')).toBe(true)
  })
})
