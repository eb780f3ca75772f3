/**
 * The one vocabulary for where a chunk stands and how it ended, shared by the bookkeeping (states in Redis), the
 * fetch stage (what its processor returns) and the metrics (how chunks ended). Each word is defined once here; the
 * narrower sets are derived from it, so a new state cannot be known to one stage and unknown to another.
 */

/** A chunk's state in the bookkeeping. */
export type ChunkState = 'pending' | 'fetching' | 'loading' | 'loaded' | 'empty' | 'failed' | 'replanned' | 'refused';

export const CHUNK_STATES: readonly ChunkState[] = ['pending', 'fetching', 'loading', 'loaded', 'empty', 'failed', 'replanned', 'refused'];

/**
 * States a chunk never leaves on its own; the backfill is over when every chunk is in one of them. `refused`: the
 * API refused the chunk's domain (InvalidDomain.NotFound, ...), so it ended without a call of its own.
 */
export type EndedState = Extract<ChunkState, 'loaded' | 'empty' | 'failed' | 'replanned' | 'refused'>;

export const ENDED_STATES: readonly EndedState[] = ['loaded', 'empty', 'failed', 'replanned', 'refused'];

export function isEnded(state: ChunkState): state is EndedState {
  return (ENDED_STATES as readonly ChunkState[]).includes(state);
}

/** How a chunk ended, as counted: an ended state, with `reused` (ended `loaded`/`empty` without a call) told apart. */
export type ChunkOutcome = EndedState | 'reused';

export const CHUNK_OUTCOMES: readonly ChunkOutcome[] = ['loaded', 'empty', 'reused', 'replanned', 'failed', 'refused'];

/**
 * What one run of the fetch processor did with its chunk: ended it (`reused`, `empty`, `replanned`), handed it to
 * the load stage (`loading`), or found it already handled (`skipped`, a duplicate that costs nothing). A failure
 * is thrown, not returned.
 */
export type FetchOutcome = Extract<ChunkOutcome, 'replanned' | 'refused'> | Extract<ChunkState, 'loading'> | 'skipped' | 'halted';

/** The fetch outcomes that end a chunk. */
export const FETCH_ENDS: readonly Extract<FetchOutcome, ChunkOutcome>[] = ['replanned', 'refused'];
