/**
 * Whether terminal output takes colours, by the common conventions: NO_COLOR set to anything non-empty turns them
 * off (no-color.org), FORCE_COLOR set to anything but 0 or false turns them on, and otherwise a terminal gets them
 * and a pipe does not. Pure: the caller passes the environment and whether the stream is a terminal.
 */

/** @example colorWanted({ NO_COLOR: '1' }, true) // false */
export function colorWanted(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase());
  return isTTY;
}
