//! The OpenSSL 3 functions the addon uses, declared by hand (no `openssl-sys` crate offline).
//! They are not linked at build time: the `node` binary exports its statically linked OpenSSL,
//! and the loader binds them when the addon is loaded (`-z now`, see build.rs). Signatures
//! follow the headers in /usr/include/node/openssl/.
//!
//! SHA-256 uses the low-level `SHA256_*` functions on a stack context: they are deprecated in
//! OpenSSL 3 but still exported, reach the same SHA-NI / AVX2 assembly, and skip the EVP
//! provider dispatch that dominates the cost of hashing short records.
#![allow(non_camel_case_types, clippy::upper_case_acronyms)]

use std::ffi::{c_int, c_uchar, c_uint, c_void};

#[repr(C)]
pub struct EVP_MD_CTX {
    _private: [u8; 0],
}
#[repr(C)]
pub struct EVP_CIPHER_CTX {
    _private: [u8; 0],
}
#[repr(C)]
pub struct EVP_CIPHER {
    _private: [u8; 0],
}
#[repr(C)]
pub struct EVP_PKEY {
    _private: [u8; 0],
}
#[repr(C)]
pub struct ENGINE {
    _private: [u8; 0],
}

/// `SHA256_CTX` from openssl/sha.h: h[8], Nl, Nh, data[16], num, md_len (all 32-bit), 112
/// bytes. Plain data, so a copy of a context is an independent context (HMAC relies on that).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct SHA256_CTX {
    h: [u32; 8],
    nl: u32,
    nh: u32,
    data: [u32; 16],
    num: c_uint,
    md_len: c_uint,
}

impl SHA256_CTX {
    pub const fn zeroed() -> Self {
        SHA256_CTX {
            h: [0; 8],
            nl: 0,
            nh: 0,
            data: [0; 16],
            num: 0,
            md_len: 0,
        }
    }
}

pub const EVP_CTRL_GCM_SET_IVLEN: c_int = 0x9;
pub const EVP_CTRL_GCM_GET_TAG: c_int = 0x10;
pub const EVP_CTRL_GCM_SET_TAG: c_int = 0x11;
/// NID_ED25519 (openssl/obj_mac.h).
pub const EVP_PKEY_ED25519: c_int = 1087;

extern "C" {
    pub fn SHA256_Init(ctx: *mut SHA256_CTX) -> c_int;
    pub fn SHA256_Update(ctx: *mut SHA256_CTX, data: *const c_void, len: usize) -> c_int;
    pub fn SHA256_Final(md: *mut c_uchar, ctx: *mut SHA256_CTX) -> c_int;

    pub fn EVP_CIPHER_CTX_new() -> *mut EVP_CIPHER_CTX;
    pub fn EVP_CIPHER_CTX_free(ctx: *mut EVP_CIPHER_CTX);
    pub fn EVP_CIPHER_CTX_ctrl(
        ctx: *mut EVP_CIPHER_CTX,
        kind: c_int,
        arg: c_int,
        ptr: *mut c_void,
    ) -> c_int;
    pub fn EVP_aes_256_gcm() -> *const EVP_CIPHER;
    pub fn EVP_EncryptInit_ex(
        ctx: *mut EVP_CIPHER_CTX,
        cipher: *const EVP_CIPHER,
        engine: *mut ENGINE,
        key: *const c_uchar,
        iv: *const c_uchar,
    ) -> c_int;
    pub fn EVP_EncryptUpdate(
        ctx: *mut EVP_CIPHER_CTX,
        out: *mut c_uchar,
        out_len: *mut c_int,
        input: *const c_uchar,
        in_len: c_int,
    ) -> c_int;
    pub fn EVP_EncryptFinal_ex(
        ctx: *mut EVP_CIPHER_CTX,
        out: *mut c_uchar,
        len: *mut c_int,
    ) -> c_int;
    pub fn EVP_DecryptInit_ex(
        ctx: *mut EVP_CIPHER_CTX,
        cipher: *const EVP_CIPHER,
        engine: *mut ENGINE,
        key: *const c_uchar,
        iv: *const c_uchar,
    ) -> c_int;
    pub fn EVP_DecryptUpdate(
        ctx: *mut EVP_CIPHER_CTX,
        out: *mut c_uchar,
        out_len: *mut c_int,
        input: *const c_uchar,
        in_len: c_int,
    ) -> c_int;
    pub fn EVP_DecryptFinal_ex(
        ctx: *mut EVP_CIPHER_CTX,
        out: *mut c_uchar,
        len: *mut c_int,
    ) -> c_int;

    pub fn EVP_MD_CTX_new() -> *mut EVP_MD_CTX;
    pub fn EVP_MD_CTX_free(ctx: *mut EVP_MD_CTX);
    pub fn EVP_PKEY_new_raw_private_key(
        kind: c_int,
        engine: *mut ENGINE,
        key: *const c_uchar,
        len: usize,
    ) -> *mut EVP_PKEY;
    pub fn EVP_PKEY_new_raw_public_key(
        kind: c_int,
        engine: *mut ENGINE,
        key: *const c_uchar,
        len: usize,
    ) -> *mut EVP_PKEY;
    pub fn EVP_PKEY_get_raw_public_key(
        pkey: *const EVP_PKEY,
        out: *mut c_uchar,
        len: *mut usize,
    ) -> c_int;
    pub fn EVP_PKEY_free(pkey: *mut EVP_PKEY);
    pub fn EVP_DigestSignInit(
        ctx: *mut EVP_MD_CTX,
        pctx: *mut *mut c_void,
        md: *const c_void,
        engine: *mut ENGINE,
        pkey: *mut EVP_PKEY,
    ) -> c_int;
    pub fn EVP_DigestSign(
        ctx: *mut EVP_MD_CTX,
        sig: *mut c_uchar,
        sig_len: *mut usize,
        tbs: *const c_uchar,
        tbs_len: usize,
    ) -> c_int;
    pub fn EVP_DigestVerifyInit(
        ctx: *mut EVP_MD_CTX,
        pctx: *mut *mut c_void,
        md: *const c_void,
        engine: *mut ENGINE,
        pkey: *mut EVP_PKEY,
    ) -> c_int;
    pub fn EVP_DigestVerify(
        ctx: *mut EVP_MD_CTX,
        sig: *const c_uchar,
        sig_len: usize,
        tbs: *const c_uchar,
        tbs_len: usize,
    ) -> c_int;

    pub fn OPENSSL_cleanse(ptr: *mut c_void, len: usize);
    pub fn ERR_get_error() -> std::ffi::c_ulong;
    pub fn ERR_error_string_n(error: std::ffi::c_ulong, buf: *mut std::ffi::c_char, len: usize);
    pub fn ERR_clear_error();
}

/// The oldest queued OpenSSL error as text (and the queue emptied), for error messages. The
/// queue is per thread and shared with `node:crypto`, so it must not be left holding our
/// errors.
pub fn take_error() -> String {
    // SAFETY: plain calls into OpenSSL's per-thread error queue; the buffer is ours.
    unsafe {
        let code = ERR_get_error();
        ERR_clear_error();
        if code == 0 {
            return "unknown OpenSSL error".into();
        }
        let mut buffer = [0 as std::ffi::c_char; 256];
        ERR_error_string_n(code, buffer.as_mut_ptr(), buffer.len());
        std::ffi::CStr::from_ptr(buffer.as_ptr())
            .to_string_lossy()
            .into_owned()
    }
}

/// Empties OpenSSL's error queue after an expected failure (a bad signature, a bad tag).
pub fn clear_errors() {
    // SAFETY: no arguments; per-thread state.
    unsafe { ERR_clear_error() }
}

/// Overwrites secret bytes in a way the compiler may not optimise out.
pub fn cleanse(bytes: &mut [u8]) {
    // SAFETY: the slice is valid for its length.
    unsafe { OPENSSL_cleanse(bytes.as_mut_ptr().cast(), bytes.len()) }
}
