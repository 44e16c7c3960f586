// Render one OpenAPI document (JSON) to a static, offline HTML page with Redoc 2 (package.json pin).
//
//   node scripts/redoc_render.cjs <spec.json> <out.html>
//
// The page is prerendered on the server side (what redoc-cli did), so every operation is in the HTML
// a crawler, a test or a reader without JavaScript sees; the inlined Redoc bundle then hydrates it.
// Nothing is loaded from the network: no CDN script, no web fonts.
"use strict";
const fs = require("fs");
const React = require("react");
const { renderToString } = require("react-dom/server");
const { ServerStyleSheet } = require("styled-components");
const { createStore, Redoc } = require("redoc");

const OPTIONS = { hideDownloadButton: true, expandResponses: "200,201", jsonSampleExpandLevel: 3 };

function escapeHtml(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
}

async function main(specPath, outPath) {
  const spec = JSON.parse(fs.readFileSync(specPath, "utf8"));
  const store = await createStore(spec, undefined, OPTIONS);
  const sheet = new ServerStyleSheet();
  const markup = renderToString(sheet.collectStyles(React.createElement(Redoc, { store })));
  const state = JSON.stringify(await store.toJS()).replace(/</g, "\\u003c");
  const bundle = fs.readFileSync(require.resolve("redoc/bundles/redoc.standalone.js"), "utf8");
  const page = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(spec.info.title)} ${escapeHtml(spec.info.version)} · nordfin</title>
<style>body { margin: 0; padding: 0; }</style>
${sheet.getStyleTags()}
</head>
<body>
<div id="redoc">${markup}</div>
<script>${bundle}</script>
<script>const __redoc_state = ${state}; Redoc.hydrate(__redoc_state, document.getElementById("redoc"));</script>
</body>
</html>
`;
  fs.writeFileSync(outPath, page);
}

main(process.argv[2], process.argv[3]).catch((error) => {
  console.error(error);
  process.exit(1);
});
