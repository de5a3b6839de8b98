//! SHA-256 (FIPS 180-4) over OpenSSL's low-level `SHA256_*` functions, on a context that lives
//! on the stack (one-shot, batch, chain) or in a boxed JS external (streaming hasher).
//!
//! The hash chain: `h[-1] = seed`, `h[i] = SHA-256(h[i-1] ++ record[i])`, one call per batch.

use crate::openssl::{SHA256_Final, SHA256_Init, SHA256_Update, SHA256_CTX};

pub const DIGEST_BYTES: usize = 32;

/// A running SHA-256. Plain data: copying it forks the hash (HMAC uses that).
#[derive(Clone, Copy)]
pub struct Sha256 {
    ctx: SHA256_CTX,
}

impl Sha256 {
    pub fn new() -> Self {
        let mut ctx = SHA256_CTX::zeroed();
        // SAFETY: ctx is a valid SHA256_CTX; SHA256_Init cannot fail for a valid pointer.
        unsafe { SHA256_Init(&mut ctx) };
        Sha256 { ctx }
    }

    pub fn update(&mut self, data: &[u8]) {
        if !data.is_empty() {
            // SAFETY: data is valid for its length; the context was initialised.
            unsafe { SHA256_Update(&mut self.ctx, data.as_ptr().cast(), data.len()) };
        }
    }

    /// Writes the digest into `out` (exactly 32 bytes) and wipes the context.
    pub fn finish_into(mut self, out: &mut [u8; DIGEST_BYTES]) {
        // SAFETY: out has room for the 32-byte digest; SHA256_Final cleanses the context.
        unsafe { SHA256_Final(out.as_mut_ptr(), &mut self.ctx) };
    }
}

/// The 32-byte output slot `index` of `out` (the caller checked `out` is long enough).
pub fn slot(out: &mut [u8], index: usize) -> &mut [u8; DIGEST_BYTES] {
    let start = index * DIGEST_BYTES;
    (&mut out[start..start + DIGEST_BYTES])
        .try_into()
        .expect("32-byte slot")
}

pub fn digest_into(data: &[u8], out: &mut [u8; DIGEST_BYTES]) {
    let mut hasher = Sha256::new();
    hasher.update(data);
    hasher.finish_into(out);
}

/// Chains `records` from `seed`, writing `h[i]` into slot `i` of `out`.
pub fn hash_chain(seed: &[u8; DIGEST_BYTES], records: &crate::batch::Records, out: &mut [u8]) {
    let mut previous = *seed;
    for index in 0..records.count() {
        let mut hasher = Sha256::new();
        hasher.update(&previous);
        hasher.update(records.get(index));
        let target = slot(out, index);
        hasher.finish_into(target);
        previous = *target;
    }
}
