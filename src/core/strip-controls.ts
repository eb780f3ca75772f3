/**
 * Text from outside (the API's domain names, error codes and messages) made safe for a terminal and a log line:
 * no C0 or C1 control character (an ANSI escape starts with ESC or CSI), no DEL, no Unicode line separator and
 * no bidirectional override. A line break or tab becomes one space, so an embedded newline cannot forge a
 * separate output line; the rest are dropped.
 */
// eslint-disable-next-line no-control-regex
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** @example stripControls('a\u001b[31mb\nc') // 'a[31mb c' */
export function stripControls(text: string): string {
  return text.replace(BREAKS, ' ').replace(CONTROLS, '');
}

/** stripControls for an optional value. */
export function stripControlsOf(text: string | undefined): string | undefined {
  return text === undefined ? undefined : stripControls(text);
}
