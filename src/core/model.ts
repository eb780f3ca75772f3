/** Domain values shared by every layer. Pure data: no behaviour, no I/O. */

/** One slot of origin-pull traffic for one domain, as stored in `cdn_src_traffic`. */
export interface TrafficRow {
  /** Slot start, epoch milliseconds, UTC. */
  readonly ts: number;
  readonly domain: string;
  /** Slot length in seconds, as the API's `DataInterval` stated it (60, 300 or 3600). */
  readonly intervalS: number;
  /** The API's `Value` as a number, unit-neutral: its unit is the installation setting CDN_VALUE_UNIT (byte or bit). */
  readonly value: number;
}

/**
 * A unit of work: the slots of one domain at one interval in the half-open range [start, end).
 * The API call that serves it may be wider ([callStart, callEnd], end inclusive, as the API treats it)
 * so that the span of the call selects the wanted granularity; only the chunk's own slots are kept.
 */
export interface Chunk {
  /** Deterministic: the same (domain, interval, start, end) always gets the same id. */
  readonly id: string;
  readonly domain: string;
  readonly intervalS: number;
  /** Epoch ms, inclusive. */
  readonly start: number;
  /** Epoch ms, exclusive. */
  readonly end: number;
  /** Epoch ms: the StartTime sent to the API. */
  readonly callStart: number;
  /** Epoch ms: the EndTime sent to the API (the API returns the slot starting there too). */
  readonly callEnd: number;
}

/** A part of a requested range that no tier of the API still holds. */
export interface UnavailableRange {
  readonly domain: string;
  readonly start: number;
  readonly end: number;
  readonly reason: 'beyond-horizon' | 'not-yet-available';
}
