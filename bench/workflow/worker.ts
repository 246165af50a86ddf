/**
 * The benchmark shapes as a Cloudflare Workflow: one `step.do` per task, every task of a
 * topological level started together (Promise.all), each computing what the Weft bench step
 * computes (bench/worker/bench-tasks.ts), so both sides do the same work in the same order.
 */
import { WorkflowEntrypoint, type WorkflowEvent, type WorkflowStep } from "cloudflare:workers";
import { type Shape, buildShape } from "../shapes";

interface Params {
  shape: Shape;
  n: number;
}

interface Env {
  DAG: Workflow<Params>;
}

export class DagWorkflow extends WorkflowEntrypoint<Env, Params> {
  override async run(event: WorkflowEvent<Params>, step: WorkflowStep): Promise<{ checksum: number }> {
    const { shape, n } = event.payload;
    const graph = buildShape(shape, n, { type: "BenchStep", outPort: "v", inPort: "in", defaults: (i) => ({ k: i }) });
    const preds: number[][] = Array.from({ length: n }, () => []);
    const indeg = new Array<number>(n).fill(0);
    const succ: number[][] = Array.from({ length: n }, () => []);
    for (const d of graph.dataflows) {
      const a = Number(d.sourceTaskId.slice(1));
      const b = Number(d.targetTaskId.slice(1));
      preds[b].push(a);
      succ[a].push(b);
      indeg[b]++;
    }
    const v = new Array<number>(n).fill(0);
    let level = indeg.flatMap((d, i) => (d === 0 ? [i] : []));
    while (level.length) {
      const results = await Promise.all(
        level.map((i) => step.do(`t${i}`, async () => (i + preds[i].reduce((s, p) => s + v[p], 0)) % 1_000_003)),
      );
      const next: number[] = [];
      level.forEach((i, j) => {
        v[i] = results[j];
        for (const s of succ[i]) if (--indeg[s] === 0) next.push(s);
      });
      level = next;
    }
    const leaves = v.filter((_, i) => succ[i].length === 0);
    return { checksum: leaves.reduce((s, x) => (s + x) % 1_000_003, 0) };
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/run") {
      const shape = url.searchParams.get("shape") as Shape;
      const n = Number(url.searchParams.get("n"));
      const instance = await env.DAG.create({ params: { shape, n } });
      return Response.json({ id: instance.id });
    }
    if (url.pathname === "/status") {
      const instance = await env.DAG.get(url.searchParams.get("id") ?? "");
      return Response.json(await instance.status());
    }
    if (url.pathname === "/health") return Response.json({ status: "ok" });
    return new Response("not found", { status: 404 });
  },
};
