//! AES-256-GCM (NIST SP 800-38D) with 96-bit nonces and 128-bit tags, over OpenSSL's EVP.
//!
//! A key is expanded once into two cipher contexts (GCM fixes the direction at init), kept in a
//! JS external; each message then only sets a nonce. The raw key is never stored: OpenSSL's
//! context holds the schedule and wipes it when freed (`EVP_CIPHER_CTX_free` cleanses).
//!
//! Invariant: `encrypt` and `decrypt` are both null (destroyed) or both valid contexts.

use crate::openssl::*;
use std::ffi::c_int;
use std::ptr;

pub const KEY_BYTES: usize = 32;
pub const NONCE_BYTES: usize = 12;
pub const TAG_BYTES: usize = 16;
/// EVP update lengths are C `int`: larger inputs are fed in pieces of this size.
const PIECE_BYTES: usize = 1 << 30;

pub struct AesKey {
    encrypt: *mut EVP_CIPHER_CTX,
    decrypt: *mut EVP_CIPHER_CTX,
}

fn ok(result: c_int, what: &str) -> Result<(), String> {
    if result == 1 {
        Ok(())
    } else {
        Err(format!("{what} failed: {}", take_error()))
    }
}

impl AesKey {
    pub fn new(key: &[u8; KEY_BYTES]) -> Result<AesKey, String> {
        // SAFETY: fresh contexts; on any failure `Drop` frees whatever was created.
        unsafe {
            let this = AesKey {
                encrypt: EVP_CIPHER_CTX_new(),
                decrypt: EVP_CIPHER_CTX_new(),
            };
            if this.encrypt.is_null() || this.decrypt.is_null() {
                return Err("EVP_CIPHER_CTX_new failed (out of memory)".into());
            }
            let cipher = EVP_aes_256_gcm();
            let (e, d) = (this.encrypt, this.decrypt);
            ok(
                EVP_EncryptInit_ex(e, cipher, ptr::null_mut(), ptr::null(), ptr::null()),
                "init",
            )?;
            ok(
                EVP_DecryptInit_ex(d, cipher, ptr::null_mut(), ptr::null(), ptr::null()),
                "init",
            )?;
            for ctx in [e, d] {
                let ivlen = NONCE_BYTES as c_int;
                let set = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, ivlen, ptr::null_mut());
                ok(set, "setting the GCM nonce length")?;
            }
            ok(
                EVP_EncryptInit_ex(e, ptr::null(), ptr::null_mut(), key.as_ptr(), ptr::null()),
                "key",
            )?;
            ok(
                EVP_DecryptInit_ex(d, ptr::null(), ptr::null_mut(), key.as_ptr(), ptr::null()),
                "key",
            )?;
            Ok(this)
        }
    }

    pub fn is_destroyed(&self) -> bool {
        self.encrypt.is_null()
    }

    /// Frees both contexts now (which wipes the key schedule); later use is refused.
    pub fn destroy(&mut self) {
        // SAFETY: each pointer is either null or a context we own; nulled after freeing.
        unsafe {
            if !self.encrypt.is_null() {
                EVP_CIPHER_CTX_free(self.encrypt);
            }
            if !self.decrypt.is_null() {
                EVP_CIPHER_CTX_free(self.decrypt);
            }
        }
        self.encrypt = ptr::null_mut();
        self.decrypt = ptr::null_mut();
    }

    /// `out` = ciphertext ++ tag; `out.len()` must be `plaintext.len() + 16`.
    pub fn seal(
        &mut self,
        nonce: &[u8; NONCE_BYTES],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut [u8],
    ) -> Result<(), String> {
        assert!(!self.is_destroyed() && out.len() == plaintext.len() + TAG_BYTES);
        let ctx = self.encrypt;
        let (body, tag) = out.split_at_mut(plaintext.len());
        // SAFETY: ctx is live (checked); every buffer is valid for the lengths passed.
        unsafe {
            let no_key = ptr::null();
            ok(
                EVP_EncryptInit_ex(ctx, ptr::null(), ptr::null_mut(), no_key, nonce.as_ptr()),
                "nonce",
            )?;
            feed(ctx, aad, ptr::null_mut(), EVP_EncryptUpdate)?;
            feed(ctx, plaintext, body.as_mut_ptr(), EVP_EncryptUpdate)?;
            let mut written = 0;
            ok(
                EVP_EncryptFinal_ex(ctx, ptr::null_mut(), &mut written),
                "EVP_EncryptFinal_ex",
            )?;
            let get = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, tag.as_mut_ptr().cast());
            ok(get, "reading the GCM tag")
        }
    }

    /// Decrypts `sealed` (ciphertext ++ tag) into `out` (`sealed.len() - 16` bytes). Returns
    /// false, with `out` wiped, when the tag does not authenticate.
    pub fn open(
        &mut self,
        nonce: &[u8; NONCE_BYTES],
        aad: &[u8],
        sealed: &[u8],
        out: &mut [u8],
    ) -> Result<bool, String> {
        assert!(!self.is_destroyed());
        if sealed.len() < TAG_BYTES {
            return Ok(false);
        }
        let (body, tag) = sealed.split_at(sealed.len() - TAG_BYTES);
        assert!(out.len() == body.len());
        let mut tag_copy = [0u8; TAG_BYTES];
        tag_copy.copy_from_slice(tag);
        let ctx = self.decrypt;
        // SAFETY: as in `seal`.
        unsafe {
            let no_key = ptr::null();
            ok(
                EVP_DecryptInit_ex(ctx, ptr::null(), ptr::null_mut(), no_key, nonce.as_ptr()),
                "nonce",
            )?;
            feed(ctx, aad, ptr::null_mut(), EVP_DecryptUpdate)?;
            feed(ctx, body, out.as_mut_ptr(), EVP_DecryptUpdate)?;
            let set =
                EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, tag_copy.as_mut_ptr().cast());
            ok(set, "setting the GCM tag")?;
            let mut written = 0;
            if EVP_DecryptFinal_ex(ctx, ptr::null_mut(), &mut written) == 1 {
                return Ok(true);
            }
        }
        // Never hand out plaintext that did not authenticate.
        clear_errors();
        cleanse(out);
        Ok(false)
    }
}

type Update =
    unsafe extern "C" fn(*mut EVP_CIPHER_CTX, *mut u8, *mut c_int, *const u8, c_int) -> c_int;

/// Feeds `input` to an EVP update in `int`-sized pieces; `out` null means AAD.
unsafe fn feed(
    ctx: *mut EVP_CIPHER_CTX,
    input: &[u8],
    out: *mut u8,
    update: Update,
) -> Result<(), String> {
    let mut done = 0;
    while done < input.len() {
        let piece = (input.len() - done).min(PIECE_BYTES);
        let target = if out.is_null() { out } else { out.add(done) };
        let mut written: c_int = 0;
        ok(
            update(
                ctx,
                target,
                &mut written,
                input.as_ptr().add(done),
                piece as c_int,
            ),
            "EVP update",
        )?;
        done += piece;
    }
    Ok(())
}

impl Drop for AesKey {
    fn drop(&mut self) {
        self.destroy();
    }
}
