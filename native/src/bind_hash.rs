//! JS-facing functions for CRC-32C, SHA-256, BLAKE3 and HMAC-SHA256. Each checks its
//! arguments (types, lengths, batch offsets, output sizes, no output overlapping an input)
//! before it touches memory, then runs one tight loop over the batch.
//!
//! Outputs are caller-allocated typed arrays, so a call allocates nothing on the JS heap.

use crate::batch::{check_out, Records};
use crate::blake3::Blake3;
use crate::hmac::HmacKey;
use crate::napi::*;
use crate::sha256::{slot, Sha256, DIGEST_BYTES};
use crate::{blake3, crc32c, sha256};

pub fn register(env: Env, exports: Value) -> JsResult<()> {
    export(env, exports, "crc32cHardware", crc32c_hardware)?;
    export(env, exports, "crc32cUpdate", crc32c_update)?;
    export(env, exports, "crc32cBatch", crc32c_batch)?;
    export(env, exports, "crc32cUpdatePortable", crc32c_update_portable)?;
    export(env, exports, "sha256Digest", sha256_digest)?;
    export(env, exports, "sha256DigestBatch", sha256_digest_batch)?;
    export(env, exports, "sha256HashChain", sha256_hash_chain)?;
    export(env, exports, "sha256HasherCreate", hasher_create::<Sha256>)?;
    export(env, exports, "sha256HasherUpdate", hasher_update::<Sha256>)?;
    export(env, exports, "sha256HasherDigest", hasher_digest::<Sha256>)?;
    export(env, exports, "blake3Digest", blake3_digest)?;
    export(env, exports, "blake3DigestBatch", blake3_digest_batch)?;
    export(env, exports, "blake3HasherCreate", hasher_create::<Blake3>)?;
    export(env, exports, "blake3HasherUpdate", hasher_update::<Blake3>)?;
    export(env, exports, "blake3HasherDigest", hasher_digest::<Blake3>)?;
    export(env, exports, "hmacSha256", hmac_sha256)?;
    export(env, exports, "hmacSha256Batch", hmac_sha256_batch)?;
    Ok(())
}

fn crc32c_hardware(env: Env, _args: &Args) -> JsResult<Value> {
    boolean(env, crc32c::hardware_available())
}

/// crc32cUpdate(crc: u32, data: Uint8Array): u32
fn crc32c_update(env: Env, args: &Args) -> JsResult<Value> {
    let crc = args.integer(0, "crc", u32::MAX as u64)? as u32;
    let data = args.bytes(1, "data")?;
    // SAFETY: read-only view for this call.
    uint32(env, crc32c::update(crc, unsafe { data.slice() }))
}

/// crc32cUpdatePortable(crc, data): the table path whatever the CPU, so tests cover it too.
fn crc32c_update_portable(env: Env, args: &Args) -> JsResult<Value> {
    let crc = args.integer(0, "crc", u32::MAX as u64)? as u32;
    let data = args.bytes(1, "data")?;
    // SAFETY: read-only view for this call.
    uint32(
        env,
        crc32c::update_without_hardware(crc, unsafe { data.slice() }),
    )
}

/// crc32cBatch(data: Uint8Array, offsets: Uint32Array, out: Uint32Array): out[i] = crc(record i)
fn crc32c_batch(env: Env, args: &Args) -> JsResult<Value> {
    let data = args.bytes(0, "data")?;
    let offsets = args.words(1, "offsets")?;
    let out = args.words(2, "out")?;
    ensure_disjoint(
        (out.region(), "out"),
        &[(data.region(), "data"), (offsets.region(), "offsets")],
    )?;
    // SAFETY: out is disjoint from both inputs (checked above); views live for this call.
    let (records, out) = unsafe {
        (
            Records::new(data.slice(), offsets.slice(), "batch")?,
            out.slice_mut(),
        )
    };
    if out.len() < records.count() {
        return range_error(format!(
            "out needs {} entries, has {}",
            records.count(),
            out.len()
        ));
    }
    for (index, crc) in out.iter_mut().enumerate().take(records.count()) {
        *crc = crc32c::update(0, records.get(index));
    }
    undefined(env)
}

/// A 32-byte output at the start of `out` (which may be longer).
fn digest_slot<'a>(out: &Bytes) -> JsResult<&'a mut [u8; DIGEST_BYTES]> {
    if out.len < DIGEST_BYTES {
        return range_error(format!("out needs {DIGEST_BYTES} bytes, has {}", out.len));
    }
    // SAFETY: callers make sure no slice of the inputs is live any more; valid for this call.
    Ok(slot(unsafe { out.slice_mut() }, 0))
}

/// Computes a 32-byte result into a local, then copies it to `out`: `out` may then overlap
/// the input (hashing a buffer into itself), since the input's slice is dead by the copy.
fn write_digest(out: &Bytes, compute: impl FnOnce(&mut [u8; DIGEST_BYTES])) -> JsResult<()> {
    if out.len < DIGEST_BYTES {
        return range_error(format!("out needs {DIGEST_BYTES} bytes, has {}", out.len));
    }
    let mut digest = [0u8; DIGEST_BYTES];
    compute(&mut digest);
    digest_slot(out)?.copy_from_slice(&digest);
    crate::openssl::cleanse(&mut digest);
    Ok(())
}

/// Parses (data, offsets, out) of a per-record digest batch with `width`-byte outputs.
fn digest_batch_args<'a>(
    args: &Args,
    first: usize,
    width: usize,
) -> JsResult<(Records<'a>, &'a mut [u8])> {
    let data = args.bytes(first, "data")?;
    let offsets = args.words(first + 1, "offsets")?;
    let out = args.bytes(first + 2, "out")?;
    ensure_disjoint(
        (out.region(), "out"),
        &[(data.region(), "data"), (offsets.region(), "offsets")],
    )?;
    // SAFETY: out is disjoint from the inputs; the views live for this call.
    let (records, out) = unsafe {
        (
            Records::new(data.slice(), offsets.slice(), "batch")?,
            out.slice_mut(),
        )
    };
    check_out(out.len(), records.count(), width, "out")?;
    Ok((records, out))
}

/// sha256Digest(data: Uint8Array, out: Uint8Array): digest into out[0, 32)
fn sha256_digest(env: Env, args: &Args) -> JsResult<Value> {
    let data = args.bytes(0, "data")?;
    let out = args.bytes(1, "out")?;
    // SAFETY: read-only view, dead before `out` is written.
    write_digest(&out, |digest| {
        sha256::digest_into(unsafe { data.slice() }, digest)
    })?;
    undefined(env)
}

/// sha256DigestBatch(data, offsets, out): record i's digest into out[32 i, 32 i + 32)
fn sha256_digest_batch(env: Env, args: &Args) -> JsResult<Value> {
    let (records, out) = digest_batch_args(args, 0, DIGEST_BYTES)?;
    for index in 0..records.count() {
        sha256::digest_into(records.get(index), slot(out, index));
    }
    undefined(env)
}

/// sha256HashChain(seed: 32 bytes, data, offsets, out): h[i] = SHA-256(h[i-1] ++ record i)
fn sha256_hash_chain(env: Env, args: &Args) -> JsResult<Value> {
    let seed = args.bytes(0, "seed")?;
    if seed.len != DIGEST_BYTES {
        return range_error(format!(
            "seed must be {DIGEST_BYTES} bytes, got {}",
            seed.len
        ));
    }
    let out = args.bytes(3, "out")?;
    ensure_disjoint((out.region(), "out"), &[(seed.region(), "seed")])?;
    let (records, out) = digest_batch_args(args, 1, DIGEST_BYTES)?;
    // SAFETY: seed is exactly 32 bytes and disjoint from out.
    let seed: &[u8; DIGEST_BYTES] = unsafe { seed.slice() }.try_into().expect("32 bytes");
    sha256::hash_chain(seed, &records, out);
    undefined(env)
}

/// A hash with a streaming form behind a JS handle, tagged so handles cannot be mixed up.
trait Streaming: Sized + 'static {
    const TAG: &'static TypeTag;
    fn start() -> Self;
    fn absorb(&mut self, data: &[u8]);
    fn finish(self, out: &mut [u8; DIGEST_BYTES]);
}

impl Streaming for Sha256 {
    const TAG: &'static TypeTag = &TypeTag {
        lower: 0x6b69_6d62_0001_0001,
        upper: 0x5348_4132_3536_0001,
    };
    fn start() -> Self {
        Sha256::new()
    }
    fn absorb(&mut self, data: &[u8]) {
        self.update(data);
    }
    fn finish(self, out: &mut [u8; DIGEST_BYTES]) {
        self.finish_into(out);
    }
}

impl Streaming for Blake3 {
    const TAG: &'static TypeTag = &TypeTag {
        lower: 0x6b69_6d62_0001_0002,
        upper: 0x424c_414b_4533_0001,
    };
    fn start() -> Self {
        Blake3::new()
    }
    fn absorb(&mut self, data: &[u8]) {
        self.update(data);
    }
    fn finish(self, out: &mut [u8; DIGEST_BYTES]) {
        self.finish_into(out);
    }
}

/// The state behind a streaming-hasher handle; `None` once digested.
struct HasherBox<T>(Option<T>);

fn finished() -> JsError {
    JsError::Plain("this hasher was already digested; create a new one".into())
}

/// sha256HasherCreate() / blake3HasherCreate(): a new handle.
fn hasher_create<H: Streaming>(env: Env, _args: &Args) -> JsResult<Value> {
    new_external(env, Box::new(HasherBox(Some(H::start()))), H::TAG)
}

/// sha256HasherUpdate(handle, data) / blake3HasherUpdate(handle, data)
fn hasher_update<H: Streaming>(env: Env, args: &Args) -> JsResult<Value> {
    // SAFETY: the tag guarantees the handle boxes a HasherBox<H>.
    let state = unsafe { args.external::<HasherBox<H>>(0, H::TAG, "hasher")? };
    let data = args.bytes(1, "data")?;
    // SAFETY: read-only view for this call.
    let hasher = state.0.as_mut().ok_or_else(finished)?;
    hasher.absorb(unsafe { data.slice() });
    undefined(env)
}

/// sha256HasherDigest(handle, out): digest into out[0, 32); the handle is finished after.
fn hasher_digest<H: Streaming>(env: Env, args: &Args) -> JsResult<Value> {
    // SAFETY: as in `hasher_update`.
    let state = unsafe { args.external::<HasherBox<H>>(0, H::TAG, "hasher")? };
    let out = args.bytes(1, "out")?;
    let target = digest_slot(&out)?;
    state.0.take().ok_or_else(finished)?.finish(target);
    undefined(env)
}

/// blake3Digest(data, out): digest into out[0, 32)
fn blake3_digest(env: Env, args: &Args) -> JsResult<Value> {
    let data = args.bytes(0, "data")?;
    let out = args.bytes(1, "out")?;
    // SAFETY: read-only view, dead before `out` is written.
    write_digest(&out, |digest| {
        blake3::digest_into(unsafe { data.slice() }, digest)
    })?;
    undefined(env)
}

/// blake3DigestBatch(data, offsets, out): record i's digest into out[32 i, 32 i + 32)
fn blake3_digest_batch(env: Env, args: &Args) -> JsResult<Value> {
    let (records, out) = digest_batch_args(args, 0, blake3::DIGEST_BYTES)?;
    for index in 0..records.count() {
        blake3::digest_into(records.get(index), slot(out, index));
    }
    undefined(env)
}

/// hmacSha256(key, data, out): MAC into out[0, 32)
fn hmac_sha256(env: Env, args: &Args) -> JsResult<Value> {
    let key = args.bytes(0, "key")?;
    let data = args.bytes(1, "data")?;
    let out = args.bytes(2, "out")?;
    // SAFETY: read-only views, dead before `out` is written.
    write_digest(&out, |mac| {
        HmacKey::new(unsafe { key.slice() }).mac_into(unsafe { data.slice() }, mac)
    })?;
    undefined(env)
}

/// hmacSha256Batch(key, data, offsets, out): record i's MAC into out[32 i, 32 i + 32)
fn hmac_sha256_batch(env: Env, args: &Args) -> JsResult<Value> {
    let key = args.bytes(0, "key")?;
    let out = args.bytes(3, "out")?;
    ensure_disjoint((out.region(), "out"), &[(key.region(), "key")])?;
    let (records, out) = digest_batch_args(args, 1, DIGEST_BYTES)?;
    // SAFETY: key is disjoint from out.
    let mac = HmacKey::new(unsafe { key.slice() });
    for index in 0..records.count() {
        mac.mac_into(records.get(index), slot(out, index));
    }
    undefined(env)
}
