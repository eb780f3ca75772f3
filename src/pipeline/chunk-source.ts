/**
 * Where a backfill's chunks come from, position by position, without ever holding them all: a grid source computes
 * chunk p from the backfill's parameters (template p / D of the plan made at plannedAt, domain p % D), so a backfill
 * of 10,000 domains x 186 days is a few hundred templates and a domain list; a list source reads its chunks from
 * Redis. Positions run in the planner's order of urgency (plan-backfill.ts): the templates most at risk of leaving the
 * API come first, for every domain.
 */
import type { Tier } from '../aliyun/tiers.js';
import type { Chunk } from '../core/model.js';
import { chunkOf, planTemplates, type ChunkTemplate } from '../plan/plan-backfill.js';
import type { BackfillStore } from './backfill-store.js';

export interface ChunkSource {
  /** Chunks at positions [from, from + n), fewer at the end. */
  slice(from: number, n: number): Promise<Chunk[]>;
}

/** A grid source over templates and domains: position p is template floor(p / D), domain p % D. */
export function gridSlice(templates: readonly ChunkTemplate[], domains: readonly string[], from: number, n: number): Chunk[] {
  const d = domains.length;
  const end = Math.min(from + n, templates.length * d);
  const out: Chunk[] = [];
  for (let p = from; p < end; p++) out.push(chunkOf(templates[Math.floor(p / d)]!, domains[p % d]!));
  return out;
}

/** The source of backfill `id` from its meta fields (BackfillStore.meta). */
export async function chunkSourceOf(store: BackfillStore, id: string, m: Record<string, string>, tiers: readonly Tier[], marginMs: number): Promise<ChunkSource> {
  if (m.kind !== 'grid') return { slice: (from, n) => store.listSlice(id, from, n) };
  const domains = await store.domains(id);
  // The tier table and margin the backfill was planned with, so every process computes the same chunks.
  const plannedTiers = m.tiers ? (JSON.parse(m.tiers) as Tier[]) : tiers;
  const plannedMargin = m.margin_ms !== undefined ? Number(m.margin_ms) : marginMs;
  const { templates } = planTemplates({ from: Number(m.from), to: Number(m.to), now: Number(m.planned_at), tiers: plannedTiers, marginMs: plannedMargin });
  return { slice: async (from, n) => gridSlice(templates, domains, from, n) };
}
