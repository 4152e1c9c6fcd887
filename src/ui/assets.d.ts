/** The dashboard's browser modules by file name (`app.ts`, ...), as JavaScript text (see assets.js). */
export const CLIENT_MODULES: Record<string, string>;
/** Style sheets by file name: uPlot's, then the dashboard's own. */
export const STYLES: Record<string, string>;
/** Classic scripts by file name: uPlot, which the chart module loads when first needed and uses as the global `uPlot`. */
export const SCRIPTS: Record<string, string>;
