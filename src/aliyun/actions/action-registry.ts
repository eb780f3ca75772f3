/**
 * Every API action cdn-etl knows, by its `Action` name. A new action of a known shape is one module under
 * actions/ plus one line here (docs/ARCHITECTURE.md, "Adding an API action"); CdnClient.request() runs any of them,
 * and CdnClient.call() finds an action's version here.
 */
import { CDN_API_VERSION } from '../api-types.js';
import type { ApiAction } from './api-action.js';
import { SRC_TRAFFIC_ACTION } from './src-traffic-action.js';
import { USER_DOMAINS_ACTION } from './user-domains-action.js';

export const API_ACTIONS = {
  srcTraffic: SRC_TRAFFIC_ACTION,
  userDomains: USER_DOMAINS_ACTION,
} as const satisfies Record<string, ApiAction<never, unknown>>;

const BY_NAME: ReadonlyMap<string, ApiAction<never, unknown>> = new Map(Object.values(API_ACTIONS).map((a) => [a.name, a as ApiAction<never, unknown>]));

/** The API version an action is sent with: its registered one, else the CDN API's. */
export function versionOf(actionName: string): string {
  return BY_NAME.get(actionName)?.version ?? CDN_API_VERSION;
}
