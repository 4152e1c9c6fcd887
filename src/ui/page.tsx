/** @jsxImportSource hono/jsx */
/**
 * The dashboard's one page, rendered on the server with Hono's JSX: the frame (header, token field,
 * apps, the view) and the assets that fill it. It holds no data: the browser code reads everything
 * through /v1 with the token the user typed.
 * @module
 */
import type { FC } from "hono/jsx";

export interface PageProps {
  version: string;
  /** where the assets are served, e.g. /ui/assets/<hash> */
  base: string;
  styles: string[];
  modules: string[];
  /** the module that starts the page */
  entry: string;
}

const Page: FC<PageProps> = ({ version, base, styles, modules, entry }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>hotfn dashboard</title>
      {/* no favicon request */}
      <link rel="icon" href="data:," />
      {styles.map((s) => (
        <link rel="stylesheet" href={`${base}/${s}`} />
      ))}
      {modules.map((m) => (
        <link rel="modulepreload" href={`${base}/${m}`} />
      ))}
      <script type="module" src={`${base}/${entry}`} />
    </head>
    <body>
      <header class="top">
        <a class="brand" href="#/">
          hotfn
        </a>
        <span class="muted">{version}</span>
        {/* method=dialog: submitting never navigates nor sends anything, so the token cannot end up in a URL */}
        <form id="login" method="dialog" class="login">
          <label for="token">API token</label>
          <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} placeholder="HOTFN_API_TOKEN, if set" />
          <button type="submit">Use</button>
          <button type="button" id="forget" hidden>
            Forget
          </button>
          <span id="whoami" class="muted" />
        </form>
      </header>
      <div id="banner" role="alert" hidden />
      <div class="layout">
        <nav aria-label="Apps" class="side">
          <h2>Apps</h2>
          <a class="button" href="#/new">
            New route
          </a>
          <ul id="app-list" />
          <button type="button" id="more-apps" hidden>
            More apps
          </button>
        </nav>
        <main id="view">
          <p class="muted">Loading…</p>
        </main>
      </div>
      <noscript>The dashboard needs JavaScript; the API is at /v1.</noscript>
    </body>
  </html>
);

/** The page as an HTML document. */
export async function renderPage(props: PageProps): Promise<string> {
  return `<!DOCTYPE html>${await (<Page {...props} />).toString()}`;
}
