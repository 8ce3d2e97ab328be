// Microsoft Entra ID: cloud hosts, tenant shapes, issuer templates and client_info.
import * as z from 'zod/mini';
import { base64UrlJson } from '../crypto/encoding.js';
import { parseShape, text } from '../http/schemas.js';

/** Authority hosts of the Entra clouds, like @azure/identity's AzureAuthorityHosts. */
export const AzureAuthorityHosts = {
  /** The public cloud. */
  AzurePublicCloud: 'https://login.microsoftonline.com',
  /** Azure operated by 21Vianet. */
  AzureChina: 'https://login.chinacloudapi.cn',
  /** Azure US Government. */
  AzureGovernment: 'https://login.microsoftonline.us',
  /** The former Azure Germany cloud. */
  AzureGermany: 'https://login.microsoftonline.de',
} as const;

/**
 * Hosts that name the same cloud; tokens cached under one are found under any. Kept in step with
 * msal-common's built-in InstanceDiscoveryMetadata (16.17: adds login-us and the sovereign clouds).
 */
// Each group: the canonical host, then its aliases.
const ALIAS_GROUPS = [
  'login.microsoftonline.com login.windows.net login.microsoft.com sts.windows.net',
  'login.partner.microsoftonline.cn login.chinacloudapi.cn',
  'login.microsoftonline.de',
  'login.microsoftonline.us login.usgovcloudapi.net',
  'login-us.microsoftonline.com',
  'login.sovcloud-identity.fr',
  'login.sovcloud-identity.de',
  'login.sovcloud-identity.sg',
];

const CANONICAL = new Map<string, string>();
for (const group of ALIAS_GROUPS) {
  const hosts = group.split(' ');
  for (const host of hosts) CANONICAL.set(host, hosts[0]!);
}

export function isKnownEntraHost(host: string): boolean {
  return CANONICAL.has(host.toLowerCase());
}

/** The first alias of the host's group; other hosts unchanged (lower-cased). */
export function canonicalEnvironment(host: string): string {
  const lower = host.toLowerCase();
  return CANONICAL.get(lower) ?? lower;
}

/** Azure AD B2C and Entra External ID (CIAM) hosts: Microsoft's own, trusted without instance discovery (as MSAL). */
export const B2C_HOST_SUFFIX = '.b2clogin.com';
export const CIAM_HOST_SUFFIX = '.ciamlogin.com';

export const MULTI_TENANTS: ReadonlySet<string> = new Set(['common', 'organizations', 'consumers']);

/** Builds an Entra authority URL from a cloud host and a tenant (GUID, domain, or common/organizations/consumers). */
export function entraAuthority(tenant = 'organizations', host: string = AzureAuthorityHosts.AzurePublicCloud): string {
  return `${host.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}`;
}

/**
 * A tenant id that may fill the `{tenantid}` issuer template: Entra's are GUIDs; letters, digits
 * and inner hyphens are allowed (test authorities), never `/`, `.`, `$` or anything that could
 * make the filled issuer name another path or, through a replacement pattern, another string.
 */
const SAFE_TENANT_ID = /^[0-9a-z](?:[0-9a-z-]{0,62}[0-9a-z])?$/i;

/**
 * Whether `iss` is the issuer `template`, or Entra's multi-tenant issuer: the template with every
 * `{tenantid}` filled (literally, no replacement patterns) by `tid` (the ID token's), a safe tenant id.
 */
export function entraIssuerMatches(template: string, iss: string, tid: unknown): boolean {
  const parts = template.split('{tenantid}');
  return iss === (parts.length < 2 ? template : typeof tid === 'string' && SAFE_TENANT_ID.test(tid) ? parts.join(tid) : undefined);
}

/** RFC 9207 `iss`, which comes with no tid: the tenant id is the part of `iss` in the placeholder's place. */
export function issuerMatches(template: string, iss: string): boolean {
  const [before, after = ''] = template.split('{tenantid}');
  return entraIssuerMatches(template, iss, iss.slice(before!.length, iss.length - after.length));
}

const clientInfoSchema = z.looseObject({ uid: text, utid: text });
export type ClientInfo = z.infer<typeof clientInfoSchema>;

/** Entra's `client_info` (requested with client_info=1): base64url JSON giving uid and utid. */
export function parseClientInfo(clientInfo: string | undefined): ClientInfo | undefined {
  return clientInfo ? parseShape(clientInfoSchema, base64UrlJson(clientInfo)) : undefined;
}
