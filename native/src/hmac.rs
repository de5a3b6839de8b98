//! HMAC-SHA256 (RFC 2104): `H((K ^ opad) ++ H((K ^ ipad) ++ m))`.
//!
//! The two padded-key blocks are absorbed once per key into SHA-256 states; each message then
//! starts from a copy of those states, so a batch under one key pays the key setup once
//! instead of once per record (what `HMAC()` per record would do).

use crate::openssl::cleanse;
use crate::sha256::{digest_into, Sha256, DIGEST_BYTES};

const BLOCK_BYTES: usize = 64;

pub struct HmacKey {
    inner: Sha256,
    outer: Sha256,
}

impl HmacKey {
    pub fn new(key: &[u8]) -> HmacKey {
        // Keys longer than a block are hashed first (RFC 2104 section 2).
        let mut block = [0u8; BLOCK_BYTES];
        if key.len() > BLOCK_BYTES {
            let mut hashed = [0u8; DIGEST_BYTES];
            digest_into(key, &mut hashed);
            block[..DIGEST_BYTES].copy_from_slice(&hashed);
            cleanse(&mut hashed);
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let mut pad = [0u8; BLOCK_BYTES];
        let mut inner = Sha256::new();
        for (p, k) in pad.iter_mut().zip(block.iter()) {
            *p = k ^ 0x36;
        }
        inner.update(&pad);
        let mut outer = Sha256::new();
        for (p, k) in pad.iter_mut().zip(block.iter()) {
            *p = k ^ 0x5c;
        }
        outer.update(&pad);
        cleanse(&mut pad);
        cleanse(&mut block);
        HmacKey { inner, outer }
    }

    pub fn mac_into(&self, message: &[u8], out: &mut [u8; DIGEST_BYTES]) {
        let mut inner = self.inner;
        inner.update(message);
        let mut inner_digest = [0u8; DIGEST_BYTES];
        inner.finish_into(&mut inner_digest);
        let mut outer = self.outer;
        outer.update(&inner_digest);
        outer.finish_into(out);
        cleanse(&mut inner_digest);
    }
}

impl Drop for HmacKey {
    /// The states are as good as the key for forging MACs, so they are wiped.
    fn drop(&mut self) {
        // SAFETY: Sha256 is plain data; viewing it as bytes to overwrite it is sound.
        unsafe {
            for state in [&mut self.inner, &mut self.outer] {
                let bytes = std::slice::from_raw_parts_mut(
                    (state as *mut Sha256).cast::<u8>(),
                    std::mem::size_of::<Sha256>(),
                );
                cleanse(bytes);
            }
        }
    }
}
