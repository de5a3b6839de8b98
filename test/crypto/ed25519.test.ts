/**
 * Ed25519 on every backend that loads: RFC 8032 section 7.1 (TEST 1, 2, 3, 1024 and
 * SHA(abc)), then seeded differential tests against the TypeScript reference (signatures are
 * deterministic, so every backend must produce the same bytes), cross-verification, and
 * rejection of bad signatures and malformed input.
 */
import { describe, expect, it } from 'vitest';
import { ed25519Candidates } from '../../ts/crypto/ed25519/index.js';
import { describeBackends, loadBackends } from './backends.js';
import { fromHex, HUGE_BYTES, hex, memo } from './bytes.js';
import { prngFor, SEED_NOTE } from './random.js';

const backends = await loadBackends('ed25519', ed25519Candidates);

interface Rfc8032Test {
  readonly name: string;
  readonly secretKey: string;
  readonly publicKey: string;
  readonly message: string;
  readonly signature: string;
}

/** TEST 1024's 1023-byte message, as RFC 8032 section 7.1 prints it. */
const MESSAGE_1024 =
  '08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98' +
  'fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8' +
  '79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d' +
  '658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc' +
  '1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe' +
  'ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e' +
  '06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef' +
  'efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7' +
  'aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1' +
  '85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2' +
  'd17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24' +
  '554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270' +
  '88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc' +
  '2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07' +
  '07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba' +
  'b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a' +
  'ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e' +
  'c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7' +
  '51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c' +
  '42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8' +
  'ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df' +
  'f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08' +
  'd78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649' +
  'de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4' +
  '88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3' +
  '2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e' +
  '6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f' +
  'b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5' +
  '0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1' +
  '369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d' +
  'b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c' +
  '0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0';

/** RFC 8032 section 7.1, "Test Vectors for Ed25519". */
const RFC_8032_TESTS: readonly Rfc8032Test[] = [
  {
    name: 'TEST 1 (empty message)',
    secretKey: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155' +
      '5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2 (one byte)',
    secretKey: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da' +
      '085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3 (two bytes)',
    secretKey: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac' +
      '18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    name: 'TEST 1024 (1023-byte message)',
    secretKey: 'f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5',
    publicKey: '278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e',
    message: MESSAGE_1024,
    signature:
      '0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350' +
      'aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03',
  },
  {
    name: 'TEST SHA(abc) (the 64-byte SHA-512 of "abc")',
    secretKey: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    publicKey: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    message:
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
      '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    signature:
      'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589' +
      '09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
];

const hugeMessage = memo(() =>
  prngFor('ed25519 huge')
    .bytes(HUGE_BYTES + 1)
    .subarray(1),
);

/** A copy of `bytes` with bit `bit` of byte `index` flipped. */
function flipped(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ (1 << bit);
  return copy;
}

describeBackends(backends, (ed25519, reference) => {
  describe('known answers', () => {
    for (const test of RFC_8032_TESTS) {
      it(`matches RFC 8032 ${test.name}`, () => {
        const seed = fromHex(test.secretKey);
        const message = fromHex(test.message);
        expect(hex(ed25519.publicKey(seed))).toBe(test.publicKey);
        expect(hex(ed25519.sign(seed, message))).toBe(test.signature);
        const signature = fromHex(test.signature);
        expect(ed25519.verify(fromHex(test.publicKey), { message, signature })).toBe(true);
      });
    }
  });

  describe('against the reference', () => {
    it('derives the same public keys and signatures as the reference', () => {
      const rng = prngFor('ed25519 differential');
      for (let round = 0; round < 20; round++) {
        const seed = rng.bytes(32);
        const message = rng.bytes([0, 1, 63, 64, 65, 127, 128, 129, 5000][round % 9] ?? 0);
        const note = `round ${round}, ${SEED_NOTE}`;
        expect(hex(ed25519.publicKey(seed)), note).toBe(hex(reference.publicKey(seed)));
        expect(hex(ed25519.sign(seed, message)), note).toBe(hex(reference.sign(seed, message)));
      }
    });

    it('verifies what the reference signs, and the reference verifies what it signs', () => {
      const rng = prngFor('ed25519 cross verify');
      for (let round = 0; round < 10; round++) {
        const [seed, message] = [rng.bytes(32), rng.bytes(rng.int(2000))];
        const publicKey = reference.publicKey(seed);
        const note = `round ${round}, ${SEED_NOTE}`;
        const theirs = reference.sign(seed, message);
        expect(ed25519.verify(publicKey, { message, signature: theirs }), note).toBe(true);
        const mine = ed25519.sign(seed, message);
        expect(reference.verify(publicKey, { message, signature: mine }), note).toBe(true);
      }
    });

    it('takes seeds, messages, keys and signatures as views at odd byte offsets', () => {
      const rng = prngFor('ed25519 unaligned');
      const [seed, message] = [rng.unalignedBytes(32), rng.unalignedBytes(77)];
      const signature = ed25519.sign(seed, message);
      expect(hex(signature), SEED_NOTE).toBe(hex(reference.sign(seed.slice(), message.slice())));
      const publicKey = rng.unalignedBytes(32);
      publicKey.set(reference.publicKey(seed.slice()));
      const signatureView = rng.unalignedBytes(64);
      signatureView.set(signature);
      expect(ed25519.verify(publicKey, { message, signature: signatureView })).toBe(true);
    });

    it('signs and verifies a 16 MiB message like the reference', () => {
      const seed = prngFor('ed25519 huge seed').bytes(32);
      const signature = ed25519.sign(seed, hugeMessage());
      expect(hex(signature), SEED_NOTE).toBe(hex(reference.sign(seed, hugeMessage())));
      const publicKey = ed25519.publicKey(seed);
      expect(ed25519.verify(publicKey, { message: hugeMessage(), signature })).toBe(true);
    });
  });

  describe('bad signatures and malformed input', () => {
    const test = RFC_8032_TESTS[2] ?? RFC_8032_TESTS[0];
    const publicKey = fromHex(test?.publicKey ?? '');
    const message = fromHex(test?.message ?? '');
    const signature = fromHex(test?.signature ?? '');

    it('verify returns false when any bit of the signature, message or key flips', () => {
      for (const index of [0, 31, 32, 63]) {
        const bad = flipped(signature, index, index % 8);
        expect(ed25519.verify(publicKey, { message, signature: bad }), `sig ${index}`).toBe(false);
      }
      expect(ed25519.verify(publicKey, { message: flipped(message, 1), signature })).toBe(false);
      expect(ed25519.verify(flipped(publicKey, 0), { message, signature })).toBe(false);
    });

    it('verify returns false for a signature by another key', () => {
      const other = ed25519.sign(new Uint8Array(32).fill(9), message);
      expect(ed25519.verify(publicKey, { message, signature: other })).toBe(false);
    });

    it('verify returns false, never throws, for malformed lengths and non-canonical S', () => {
      for (const bytes of [0, 1, 63, 65, 128]) {
        const bad = new Uint8Array(bytes);
        bad.set(signature.subarray(0, bytes));
        expect(ed25519.verify(publicKey, { message, signature: bad }), `sig ${bytes}`).toBe(false);
      }
      for (const bytes of [0, 31, 33]) {
        const key = new Uint8Array(bytes);
        expect(ed25519.verify(key, { message, signature }), `key ${bytes}`).toBe(false);
      }
      // S >= L (the group order): the top bits set make S non-canonical; RFC 8032 rejects it.
      const highS = signature.slice();
      highS[63] = (highS[63] ?? 0) | 0xe0;
      expect(ed25519.verify(publicKey, { message, signature: highS })).toBe(false);
      expect(ed25519.verify(publicKey, { message, signature: new Uint8Array(64) })).toBe(false);
    });

    it('verify returns false for a public key that is not a canonical curve point', () => {
      // y = 2 gives x^2 = (y^2 - 1) / (d y^2 + 1), which has no square root mod p.
      const notAPoint = new Uint8Array(32);
      notAPoint[0] = 2;
      expect(ed25519.verify(notAPoint, { message, signature })).toBe(false);
      // y = 2^255 - 1 is past the field prime: a non-canonical encoding, rejected by RFC 8032.
      expect(ed25519.verify(new Uint8Array(32).fill(0xff), { message, signature })).toBe(false);
    });

    it('rejects a seed that is not 32 bytes', () => {
      for (const bytes of [0, 31, 33, 64]) {
        expect(() => ed25519.publicKey(new Uint8Array(bytes)), `seed ${bytes}`).toThrow();
        expect(() => ed25519.sign(new Uint8Array(bytes), message), `seed ${bytes}`).toThrow();
      }
    });
  });
});
