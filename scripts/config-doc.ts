// Regenerates docs/configuration.md from the settings table in src/config.ts: npm run docs:config
import { writeFileSync } from 'node:fs';
import { defaultConfig, settings } from '../src/config.ts';

const defaults = defaultConfig() as Record<string, unknown>;
const rows = Object.entries(settings).map(([name, s]) => {
  const value = defaults[name];
  const shown = value === undefined ? '(unset)' : `\`${String(value)}\``;
  return `| \`${name}\` | ${shown} | ${s.doc} |`;
});

writeFileSync(
  'docs/configuration.md',
  `# Configuration

Every setting is an environment variable, read once when a \`facility\` command starts. The same
names may be put in a JSON file named by \`FM_CONFIG_FILE\`; the environment wins over the file.
A bad value stops the command with exit code 1 and one line naming the variable, the value and
what is allowed, for example:

\`\`\`
facility: bad configuration: FM_MQTT_PORT="eighteen": Invalid input: expected number, received NaN
\`\`\`

Messages never show a secret: a token or password prints as \`<hidden>\` and a URL's password as
\`***\`, in errors and in \`facility config\`. URLs other than \`DATABASE_URL\` take no user or
password (the services, InfluxDB and Grafana have settings of their own for them).

Files a setting names (\`FM_MQTT_TLS_CERT\`, \`FM_MQTT_TLS_KEY\`, \`FM_RULES_FILES\`) are checked at
the same time: one that does not exist, is not a file or cannot be read is a bad value.
\`facility config\` goes further, as \`facility start\` would: it loads the rule files and the TLS
certificate with its key, connects to the records database with its password and to InfluxDB,
and exits 1 naming what fails (\`--no-connect\` leaves out the servers).

A variable that starts with \`FM_\` but is none of the settings below (a typo such as
\`FM_API_PROT\`) is ignored with a warning that names the closest setting; Grafana's
\`FM_GRAFANA_PG_*\` datasource variables ([dashboards.md](dashboards.md)) are left alone. An unknown
key in the JSON file is refused.

Flags (\`FM_DEMO\`) accept \`true/false\`, \`1/0\`, \`yes/no\`, \`on/off\`, \`y/n\`, \`enabled/disabled\`.

| setting | default | meaning |
|---|---|---|
${rows.join('\n')}

This file is generated from \`src/config.ts\` by \`npm run docs:config\`; a test fails when they differ.
`,
);
