/**
 * How the command line words an error: one sentence a person reads, naming the flag or variable at fault, without
 * the internal code (that goes to the JSON log and to `--verbose`). Pure.
 */
import type { CdnEtlError } from '../core/errors.js';

/** Words a refusal's text may start with that read on after the flag's name: "--to must be after --from". */
const VERB = /^(?:is|are|was|must|cannot|can|has|have|holds|needs|takes|names|gives|should|does|do|exceeds|refused|allows)\b/;

/**
 * An error of cdn-etl as a sentence: the message, with the flag or variable it names (`--qps: must be ...`)
 * joined as prose (`--qps must be ...`), ending with a full stop.
 *
 * @example errorSentence(new InvalidArgumentError('is required', '--to')) // '--to is required.'
 */
export function errorSentence(err: Pick<CdnEtlError, 'message'> & { readonly source?: string | undefined }): string {
  let text = err.message.trim();
  if (err.source && text.startsWith(`${err.source}: `)) {
    const rest = text.slice(err.source.length + 2);
    text = VERB.test(rest) ? `${err.source} ${rest}` : `${err.source}: ${rest}`;
  }
  return fullStop(text);
}

/**
 * One of commander's parse errors (`error: unknown option '--bogus'\n(Did you mean --domains?)`) as a sentence:
 * `unknown option --bogus. Did you mean --domains?`
 */
export function commanderSentence(message: string): string {
  const [raw = '', ...rest] = message.replace(/^error: /, '').split('\n');
  const first = raw.replace(/^option '(.*)' argument missing$/, 'option $1 needs a value');
  const main = fullStop(first.replace(/'(-[^']*|[^' ]+)'/g, '$1').trim());
  const hint = rest
    .map((l) => l.trim().replace(/^\((.*)\)$/, '$1'))
    .filter((l) => l !== '')
    .join(' ');
  return hint === '' ? main : `${main} ${hint}`;
}

function fullStop(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}
