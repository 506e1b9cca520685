// What every product adapter provides: given client endpoints, the per-node samples the shared verdict
// (src/client/cluster-status.ts) judges. Adapters differ only in how they ask and how they read answers.
import type { ProductKind, SampleStatus, StatusSample } from '../sample.js';
import type { Answer, ProductHttp } from './http.js';

export interface SurveyContext {
  http: ProductHttp;
  /** Epoch ms by which every answer must be in. */
  deadline: number;
}

export interface ProductAdapter {
  kind: Exclude<ProductKind, 'chronik'>;
  /** The client endpoint the product's own CLI defaults to. */
  defaultEndpoint: string;
  /** Environment variables the product's own CLI reads: a token (sent in `header`) and TLS files. */
  env: { token?: { variable: string; header: string; prefix?: string }; cacert?: string; cert?: string; key?: string };
  /** One request whose answer says whether this product is listening. */
  probe: { path: string; method: 'GET' | 'POST'; recognise(answer: Answer): boolean };
  survey(endpoints: readonly string[], context: SurveyContext): Promise<StatusSample[]>;
}

export function remaining(context: SurveyContext): number {
  return Math.max(1, context.deadline - Date.now());
}

/**
 * Asks every endpoint, then every member the answers name that has not answered yet, so one reachable
 * member is enough to see the whole cluster (for products where each member reports only itself).
 */
export async function surveyEachMember(endpoints: readonly string[], context: SurveyContext, ask: (endpoint: string) => Promise<SampleStatus>): Promise<StatusSample[]> {
  const samples: StatusSample[] = [];
  const asked = new Set<string>();
  const askAll = async (list: readonly string[]): Promise<void> => {
    const fresh = [...new Set(list)].filter((e) => !asked.has(e));
    fresh.forEach((e) => asked.add(e));
    samples.push(
      ...(await Promise.all(
        fresh.map(async (endpoint): Promise<StatusSample> => {
          try {
            return { endpoint, status: await ask(endpoint) };
          } catch (err) {
            return { endpoint, error: err instanceof Error && 'reason' in err ? String(err.reason) : (err as Error).message };
          }
        }),
      )),
    );
  };
  await askAll(endpoints);
  const answered = new Set(samples.flatMap((s) => (s.status ? [s.status.id] : [])));
  const named = samples.flatMap((s) => s.status?.members ?? []);
  await askAll(named.filter((m) => !answered.has(m.id) && m.addr !== '').map((m) => m.addr));
  return samples;
}
