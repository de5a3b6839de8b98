//! JS-facing functions for AES-256-GCM key handles and Ed25519. Argument checks first (key,
//! nonce and output sizes, batch layouts, no output overlapping an input), then the work.
//!
//! Batch layout (ts/crypto/aes_gcm/index.ts): sealed record `i` sits at
//! `out[(offsets[i] - offsets[0]) + 16 i, ...)`, so `out` needs `span + 16 count` bytes;
//! `openBatch` inverts it and returns -1 or the index of the first record that fails.

use crate::aes_gcm::{AesKey, KEY_BYTES, NONCE_BYTES, TAG_BYTES};
use crate::batch::Records;
use crate::ed25519;
use crate::napi::*;

pub fn register(env: Env, exports: Value) -> JsResult<()> {
    export(env, exports, "aesGcmKeyCreate", aes_key_create)?;
    export(env, exports, "aesGcmKeyDestroy", aes_key_destroy)?;
    export(env, exports, "aesGcmSeal", aes_seal)?;
    export(env, exports, "aesGcmOpen", aes_open)?;
    export(env, exports, "aesGcmSealBatch", aes_seal_batch)?;
    export(env, exports, "aesGcmOpenBatch", aes_open_batch)?;
    export(env, exports, "ed25519PublicKey", ed25519_public_key)?;
    export(env, exports, "ed25519Sign", ed25519_sign)?;
    export(env, exports, "ed25519Verify", ed25519_verify)?;
    Ok(())
}

static AES_KEY_TAG: TypeTag = TypeTag {
    lower: 0x6b69_6d62_0002_0001,
    upper: 0x4145_5347_434d_0001,
};

fn openssl_error(message: String) -> JsError {
    JsError::Plain(message)
}

fn exact<'a, const N: usize>(bytes: &Bytes, name: &str) -> JsResult<&'a [u8; N]> {
    if bytes.len != N {
        return range_error(format!("{name} must be {N} bytes, got {}", bytes.len));
    }
    // SAFETY: read-only view for this call, length checked.
    Ok(unsafe { bytes.slice() }.try_into().expect("length checked"))
}

/// aesGcmKeyCreate(key: 32 bytes): handle
fn aes_key_create(env: Env, args: &Args) -> JsResult<Value> {
    let key = args.bytes(0, "key")?;
    let key = exact::<KEY_BYTES>(&key, "key")?;
    let handle = AesKey::new(key).map_err(openssl_error)?;
    new_external(env, Box::new(handle), &AES_KEY_TAG)
}

/// The live key behind argument 0; an error once destroyed.
fn live_key<'a>(args: &Args) -> JsResult<&'a mut AesKey> {
    // SAFETY: the tag guarantees the handle boxes an AesKey.
    let key = unsafe { args.external::<AesKey>(0, &AES_KEY_TAG, "key")? };
    if key.is_destroyed() {
        return Err(JsError::Plain("this AES-GCM key was destroyed".into()));
    }
    Ok(key)
}

/// aesGcmKeyDestroy(handle): frees the contexts now, wiping the key schedule. Idempotent.
fn aes_key_destroy(env: Env, args: &Args) -> JsResult<Value> {
    // SAFETY: as in `live_key`.
    unsafe { args.external::<AesKey>(0, &AES_KEY_TAG, "key")? }.destroy();
    undefined(env)
}

/// aesGcmSeal(key, nonce, plaintext, aad | null, out): ciphertext ++ tag into out[0, len + 16)
fn aes_seal(env: Env, args: &Args) -> JsResult<Value> {
    let key = live_key(args)?;
    let (nonce, input, aad, out) = single_args(args)?;
    let needed = input.len + TAG_BYTES;
    if out.len < needed {
        return range_error(format!("out needs {needed} bytes, has {}", out.len));
    }
    // SAFETY: out is disjoint from every input (single_args); views live for this call.
    let (input, aad, out) = unsafe {
        (
            input.slice(),
            aad.map_or(&[][..], |a| a.slice()),
            out.slice_mut(),
        )
    };
    key.seal(nonce, aad, input, &mut out[..needed])
        .map_err(openssl_error)?;
    undefined(env)
}

/// aesGcmOpen(key, nonce, sealed, aad | null, out): true with the plaintext in out[0, len - 16),
/// false when it does not authenticate.
fn aes_open(env: Env, args: &Args) -> JsResult<Value> {
    let key = live_key(args)?;
    let (nonce, input, aad, out) = single_args(args)?;
    if input.len < TAG_BYTES {
        return boolean(env, false);
    }
    let needed = input.len - TAG_BYTES;
    if out.len < needed {
        return range_error(format!("out needs {needed} bytes, has {}", out.len));
    }
    // SAFETY: as in `aes_seal`.
    let (input, aad, out) = unsafe {
        (
            input.slice(),
            aad.map_or(&[][..], |a| a.slice()),
            out.slice_mut(),
        )
    };
    let opened = key
        .open(nonce, aad, input, &mut out[..needed])
        .map_err(openssl_error)?;
    boolean(env, opened)
}

/// (nonce, input, aad, out) of a single seal/open, with out checked disjoint from the rest.
fn single_args<'a>(args: &Args) -> JsResult<(&'a [u8; NONCE_BYTES], Bytes, Option<Bytes>, Bytes)> {
    let nonce = args.bytes(1, "nonce")?;
    let input = args.bytes(2, "input")?;
    let aad = args.optional_bytes(3, "aad")?;
    let out = args.bytes(4, "out")?;
    let mut inputs = vec![(nonce.region(), "nonce"), (input.region(), "the input")];
    if let Some(aad) = &aad {
        inputs.push((aad.region(), "aad"));
    }
    ensure_disjoint((out.region(), "out"), &inputs)?;
    Ok((exact::<NONCE_BYTES>(&nonce, "nonce")?, input, aad, out))
}

/// Parsed arguments of sealBatch / openBatch.
struct BatchArgs<'a> {
    nonces: &'a [u8],
    records: Records<'a>,
    aad: Option<Records<'a>>,
    out: &'a mut [u8],
}

fn batch_args<'a>(args: &Args) -> JsResult<BatchArgs<'a>> {
    let nonces = args.bytes(1, "nonces")?;
    let data = args.bytes(2, "data")?;
    let offsets = args.words(3, "offsets")?;
    let aad_data = args.optional_bytes(4, "aad data")?;
    let aad_offsets = args.optional_words(5, "aad offsets")?;
    let out = args.bytes(6, "out")?;
    let mut inputs = vec![
        (nonces.region(), "nonces"),
        (data.region(), "data"),
        (offsets.region(), "offsets"),
    ];
    if let (Some(d), Some(o)) = (&aad_data, &aad_offsets) {
        inputs.push((d.region(), "aad data"));
        inputs.push((o.region(), "aad offsets"));
    }
    ensure_disjoint((out.region(), "out"), &inputs)?;
    // SAFETY: out is disjoint from every input; views live for this call.
    let records = unsafe { Records::new(data.slice(), offsets.slice(), "batch")? };
    let aad = match (aad_data, aad_offsets) {
        (None, None) => None,
        (Some(d), Some(o)) => Some(unsafe { Records::new(d.slice(), o.slice(), "aad")? }),
        _ => return type_error("aad data and aad offsets must be given together".into()),
    };
    let count = records.count();
    if count > i32::MAX as usize {
        return range_error(format!("a batch holds at most {} records", i32::MAX));
    }
    if let Some(aad) = &aad {
        if aad.count() != count {
            return range_error(format!(
                "aad holds {} records, the batch {count}",
                aad.count()
            ));
        }
    }
    if nonces.len != count * NONCE_BYTES {
        return range_error(format!(
            "nonces must be 12 x {count} bytes, got {}",
            nonces.len
        ));
    }
    // SAFETY: disjoint from the inputs, checked above.
    let (nonces, out) = unsafe { (nonces.slice(), out.slice_mut()) };
    Ok(BatchArgs {
        nonces,
        records,
        aad,
        out,
    })
}

fn nonce_at(nonces: &[u8], index: usize) -> &[u8; NONCE_BYTES] {
    nonces[index * NONCE_BYTES..(index + 1) * NONCE_BYTES]
        .try_into()
        .expect("12 bytes")
}

fn aad_at<'a>(aad: &Option<Records<'a>>, index: usize) -> &'a [u8] {
    aad.as_ref().map_or(&[][..], |records| records.get(index))
}

/// aesGcmSealBatch(key, nonces, data, offsets, aadData | null, aadOffsets | null, out)
fn aes_seal_batch(env: Env, args: &Args) -> JsResult<Value> {
    let key = live_key(args)?;
    let batch = batch_args(args)?;
    let count = batch.records.count();
    let needed = batch.records.span_bytes() + TAG_BYTES * count;
    if batch.out.len() < needed {
        return range_error(format!("out needs {needed} bytes, has {}", batch.out.len()));
    }
    for index in 0..count {
        let plaintext = batch.records.get(index);
        let start = batch.records.relative_start(index) + TAG_BYTES * index;
        let target = &mut batch.out[start..start + plaintext.len() + TAG_BYTES];
        let nonce = nonce_at(batch.nonces, index);
        key.seal(nonce, aad_at(&batch.aad, index), plaintext, target)
            .map_err(openssl_error)?;
    }
    undefined(env)
}

/// aesGcmOpenBatch(key, nonces, data, offsets, aadData | null, aadOffsets | null, out): -1 when
/// every record authenticates, else the index of the first that does not.
fn aes_open_batch(env: Env, args: &Args) -> JsResult<Value> {
    let key = live_key(args)?;
    let batch = batch_args(args)?;
    let count = batch.records.count();
    // Plaintext bytes up to the first record shorter than a tag, which the loop below reports
    // as failing (so `out` need not have room past it).
    let needed: usize = (0..count)
        .map(|index| batch.records.get(index).len())
        .take_while(|&length| length >= TAG_BYTES)
        .map(|length| length - TAG_BYTES)
        .sum();
    if batch.out.len() < needed {
        return range_error(format!("out needs {needed} bytes, has {}", batch.out.len()));
    }
    for index in 0..count {
        let sealed = batch.records.get(index);
        if sealed.len() < TAG_BYTES {
            return int32(env, index as i32);
        }
        let start = batch.records.relative_start(index) - TAG_BYTES * index;
        let Some(target) = batch.out.get_mut(start..start + sealed.len() - TAG_BYTES) else {
            return range_error(format!("out is too short for record {index}"));
        };
        let nonce = nonce_at(batch.nonces, index);
        let opened = key
            .open(nonce, aad_at(&batch.aad, index), sealed, target)
            .map_err(openssl_error)?;
        if !opened {
            return int32(env, index as i32);
        }
    }
    int32(env, -1)
}

/// ed25519PublicKey(seed: 32 bytes, out: 32 bytes)
fn ed25519_public_key(env: Env, args: &Args) -> JsResult<Value> {
    let seed = args.bytes(0, "seed")?;
    let out = args.bytes(1, "out")?;
    if out.len != ed25519::PUBLIC_KEY_BYTES {
        return range_error(format!("out must be 32 bytes, got {}", out.len));
    }
    let mut public_key = [0u8; ed25519::PUBLIC_KEY_BYTES];
    ed25519::public_key(exact(&seed, "seed")?, &mut public_key).map_err(openssl_error)?;
    // SAFETY: length checked; the seed's view is dead (out may even overlap it).
    unsafe { out.slice_mut() }.copy_from_slice(&public_key);
    undefined(env)
}

/// ed25519Sign(seed: 32 bytes, message, out: 64 bytes)
fn ed25519_sign(env: Env, args: &Args) -> JsResult<Value> {
    let seed = args.bytes(0, "seed")?;
    let message = args.bytes(1, "message")?;
    let out = args.bytes(2, "out")?;
    if out.len != ed25519::SIGNATURE_BYTES {
        return range_error(format!("out must be 64 bytes, got {}", out.len));
    }
    let mut signature = [0u8; ed25519::SIGNATURE_BYTES];
    // SAFETY: read-only view of the message, dead before `out` is written.
    let message = unsafe { message.slice() };
    ed25519::sign(exact(&seed, "seed")?, message, &mut signature).map_err(openssl_error)?;
    // SAFETY: length checked; the input views are dead (out may even overlap them).
    unsafe { out.slice_mut() }.copy_from_slice(&signature);
    undefined(env)
}

/// ed25519Verify(publicKey, message, signature): boolean; malformed lengths give false.
fn ed25519_verify(env: Env, args: &Args) -> JsResult<Value> {
    let public_key = args.bytes(0, "publicKey")?;
    let message = args.bytes(1, "message")?;
    let signature = args.bytes(2, "signature")?;
    // SAFETY: read-only views for this call.
    let valid = unsafe { ed25519::verify(public_key.slice(), message.slice(), signature.slice()) };
    boolean(env, valid)
}
