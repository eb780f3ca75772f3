import { InvalidArgumentError } from '../../src/core/errors.js';

/** The InvalidArgumentError `fn` throws; any other error is rethrown, and nothing thrown fails the test. */
export function refusal(fn: () => unknown): InvalidArgumentError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidArgumentError) return err;
    throw err;
  }
  throw new Error('expected an InvalidArgumentError, nothing was thrown');
}
