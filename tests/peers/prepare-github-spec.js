// Rewrites GitHub's official OpenAPI description (from the pinned
// @octokit/openapi package) into what prism can serve faithfully:
//  - responses declare application/json only; GitHub's clients send
//    Accept: application/vnd.github+json, so that media type is added;
//  - some examples are {"value": {"$ref": ...example...}}, which prism
//    serves wrapped: they are unwrapped;
//  - the description declares no security schemes, so prism checks no auth:
//    a bearer scheme is declared, so requests without Authorization get 401.
// Usage: node prepare-github-spec.js OUT.json
const fs = require('fs');
const path = require('path');
const src = path.join(__dirname, 'node_modules/@octokit/openapi/generated/api.github.com.json');
const spec = JSON.parse(fs.readFileSync(src, 'utf8'));
const examples = (spec.components && spec.components.examples) || {};

function unwrap(example) {
  if (example && example.value && typeof example.value === 'object' && example.value.$ref) {
    const name = example.value.$ref.split('/').pop();
    if (examples[name]) return examples[name];
  }
  return example;
}

for (const item of Object.values(spec.paths)) {
  for (const op of Object.values(item)) {
    if (!op || typeof op !== 'object' || !op.responses) continue;
    for (const response of Object.values(op.responses)) {
      const content = response && response.content;
      if (!content || !content['application/json']) continue;
      const json = content['application/json'];
      if (json.examples) for (const k of Object.keys(json.examples)) json.examples[k] = unwrap(json.examples[k]);
      content['application/vnd.github+json'] = json;
    }
  }
}
spec.components = spec.components || {};
spec.components.securitySchemes = { bearer: { type: 'http', scheme: 'bearer' } };
spec.security = [{ bearer: [] }];
fs.writeFileSync(process.argv[2], JSON.stringify(spec));
