// The shared AWS config and credentials files (~/.aws/config, ~/.aws/credentials), read as the AWS SDKs read
// them: Node only, k6 has no file system for this.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SharedProfile } from './runtime.ts';

/** Settings by section (`default`, `profile dev`, `services local`...); `kms.endpoint_url` for a sub-setting. */
export type IniSections = Map<string, Map<string, string>>;

const SECTION = /^\[([^\]]*)\]$/;
/** A comment: a whole line starting with # or ;, or one that follows whitespace on a line. */
const COMMENT = /(^|\s)[#;].*$/;

/**
 * The INI dialect of the AWS files: `[section]` headers, `name = value` settings, and sub-settings indented under
 * a setting with an empty value (`kms =` then `  endpoint_url = ...`).
 */
export function parseIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let settings: Map<string, string> | undefined;
  let parent: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(COMMENT, '').trim();
    if (line === '') continue;
    const header = SECTION.exec(line);
    if (header) {
      const name = (header[1] ?? '').trim().replace(/\s+/g, ' ');
      settings = sections.get(name) ?? new Map();
      sections.set(name, settings);
      parent = undefined;
      continue;
    }
    const equals = line.indexOf('=');
    if (!settings || equals < 1) continue;
    const name = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    if (/^\s/.test(raw)) {
      if (parent !== undefined) settings.set(`${parent}.${name}`, value);
    } else {
      settings.set(name, value);
      parent = value === '' ? name : undefined;
    }
  }
  return sections;
}

function expandHome(path: string): string {
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/** A file that cannot be read counts as empty, as for the SDKs. */
function readIni(path: string): IniSections {
  try {
    return parseIni(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}

/** How a profile may get credentials other than static keys, which this client does not do. */
const OTHER_CREDENTIAL_SOURCES = [
  'role_arn',
  'credential_process',
  'sso_session',
  'sso_start_url',
  'web_identity_token_file',
];

/**
 * The profile `name` (else AWS_PROFILE, else `default`) from AWS_CONFIG_FILE (`~/.aws/config`, sections
 * `[default]` and `[profile NAME]`) and AWS_SHARED_CREDENTIALS_FILE (`~/.aws/credentials`, sections `[NAME]`),
 * the credentials file winning for a setting both have. The endpoint is the profile's `services` section's
 * `kms` `endpoint_url`, else its own `endpoint_url`.
 */
export function readProfile(env: (name: string) => string | undefined, name?: string): SharedProfile {
  const profile = name || env('AWS_PROFILE') || 'default';
  const configPath = expandHome(env('AWS_CONFIG_FILE') || '~/.aws/config');
  const credentialsPath = expandHome(env('AWS_SHARED_CREDENTIALS_FILE') || '~/.aws/credentials');
  const config = readIni(configPath);
  const configSection =
    config.get(`profile ${profile}`) ?? (profile === 'default' ? config.get('default') : undefined);
  const credentialsSection = readIni(credentialsPath).get(profile);
  const settings = new Map([...(configSection ?? []), ...(credentialsSection ?? [])]);
  const get = (key: string) => settings.get(key) || undefined;

  const services = get('services');
  const serviceEndpoint = services && config.get(`services ${services}`)?.get('kms.endpoint_url');
  const source = `profile '${profile}' of ${credentialsPath} and ${configPath}`;
  const otherSource = get('aws_access_key_id') ? undefined : OTHER_CREDENTIAL_SOURCES.find((key) => get(key));
  return {
    source,
    region: get('region'),
    accessKeyId: get('aws_access_key_id'),
    secretAccessKey: get('aws_secret_access_key'),
    sessionToken: get('aws_session_token'),
    endpoint: serviceEndpoint || get('endpoint_url'),
    endpointSource: serviceEndpoint
      ? `kms endpoint_url of services '${services}' in ${configPath}`
      : `endpoint_url of ${source}`,
    ignoreConfiguredEndpointUrls: get('ignore_configured_endpoint_urls'),
    unsupportedCredentials: otherSource,
  };
}
