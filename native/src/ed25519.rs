//! Ed25519 (RFC 8032, pure) through OpenSSL's EVP_PKEY API with raw 32-byte keys.
//!
//! Verification never fails loudly: a malformed public key or signature is just "not valid",
//! and OpenSSL's error queue (shared with `node:crypto` on this thread) is emptied after it.

use crate::openssl::*;
use std::ptr;

pub const SEED_BYTES: usize = 32;
pub const PUBLIC_KEY_BYTES: usize = 32;
pub const SIGNATURE_BYTES: usize = 64;

/// An owned EVP_PKEY, freed on drop (OpenSSL wipes private key material when it frees it).
struct Key(*mut EVP_PKEY);

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: a non-null key we own.
        unsafe { EVP_PKEY_free(self.0) }
    }
}

/// An owned EVP_MD_CTX, freed on drop.
struct DigestContext(*mut EVP_MD_CTX);

impl DigestContext {
    fn new() -> Result<DigestContext, String> {
        // SAFETY: plain allocation.
        let ctx = unsafe { EVP_MD_CTX_new() };
        if ctx.is_null() {
            Err("EVP_MD_CTX_new failed (out of memory)".into())
        } else {
            Ok(DigestContext(ctx))
        }
    }
}

impl Drop for DigestContext {
    fn drop(&mut self) {
        // SAFETY: a non-null context we own.
        unsafe { EVP_MD_CTX_free(self.0) }
    }
}

fn private_key(seed: &[u8; SEED_BYTES]) -> Result<Key, String> {
    // SAFETY: seed is 32 readable bytes.
    let key = unsafe {
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, ptr::null_mut(), seed.as_ptr(), SEED_BYTES)
    };
    if key.is_null() {
        Err(format!(
            "importing the Ed25519 seed failed: {}",
            take_error()
        ))
    } else {
        Ok(Key(key))
    }
}

pub fn public_key(seed: &[u8; SEED_BYTES], out: &mut [u8; PUBLIC_KEY_BYTES]) -> Result<(), String> {
    let key = private_key(seed)?;
    let mut length = PUBLIC_KEY_BYTES;
    // SAFETY: out has room for `length` bytes.
    let result = unsafe { EVP_PKEY_get_raw_public_key(key.0, out.as_mut_ptr(), &mut length) };
    if result != 1 || length != PUBLIC_KEY_BYTES {
        return Err(format!(
            "deriving the Ed25519 public key failed: {}",
            take_error()
        ));
    }
    Ok(())
}

pub fn sign(
    seed: &[u8; SEED_BYTES],
    message: &[u8],
    out: &mut [u8; SIGNATURE_BYTES],
) -> Result<(), String> {
    let key = private_key(seed)?;
    let ctx = DigestContext::new()?;
    let mut length = SIGNATURE_BYTES;
    // SAFETY: live key and context; out has room for `length` bytes; Ed25519 takes no digest.
    unsafe {
        let init = EVP_DigestSignInit(ctx.0, ptr::null_mut(), ptr::null(), ptr::null_mut(), key.0);
        let signed = init == 1
            && EVP_DigestSign(
                ctx.0,
                out.as_mut_ptr(),
                &mut length,
                message.as_ptr(),
                message.len(),
            ) == 1;
        if !signed || length != SIGNATURE_BYTES {
            return Err(format!("Ed25519 signing failed: {}", take_error()));
        }
    }
    Ok(())
}

/// True only for a valid signature; any malformed input is false.
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    if public_key.len() != PUBLIC_KEY_BYTES || signature.len() != SIGNATURE_BYTES {
        return false;
    }
    let valid = (|| {
        // SAFETY: lengths checked above; key and context are owned and freed on drop.
        unsafe {
            let raw = EVP_PKEY_new_raw_public_key(
                EVP_PKEY_ED25519,
                ptr::null_mut(),
                public_key.as_ptr(),
                PUBLIC_KEY_BYTES,
            );
            if raw.is_null() {
                return false;
            }
            let key = Key(raw);
            let Ok(ctx) = DigestContext::new() else {
                return false;
            };
            let init =
                EVP_DigestVerifyInit(ctx.0, ptr::null_mut(), ptr::null(), ptr::null_mut(), key.0);
            init == 1
                && EVP_DigestVerify(
                    ctx.0,
                    signature.as_ptr(),
                    SIGNATURE_BYTES,
                    message.as_ptr(),
                    message.len(),
                ) == 1
        }
    })();
    clear_errors();
    valid
}
