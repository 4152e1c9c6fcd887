/**
 * The function: a Web-standard handler, a Request in and a Response out. `hotfn deploy` bundles this
 * file and what it imports into an image; fn.ts serves the handler the way hotfn calls functions.
 */
import { serve } from "./fn.ts";

export async function handler(req: Request): Promise<Response> {
  const name = (await req.text()).trim() || new URL(req.url).searchParams.get("name") || "world";
  return new Response(`Hello, ${name}!\n`, { headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

if (import.meta.main) serve(handler);
