//! BLAKE3 over eight whole chunks at once with AVX2: SIMD lane `i` of every vector holds the
//! state of chunk `i`, so one pass of the compression function advances eight chunks (the
//! spec's "multiple chunks in parallel" strategy, section 5.3). Message words are gathered
//! with 8x8 transposes. Used by `blake3::Blake3::update` for runs of complete chunks; the tree
//! above them and everything else stays in the scalar code.

use std::arch::x86_64::*;

use super::blake3::{BLOCK_BYTES, CHUNK_BYTES, CHUNK_END, CHUNK_START, IV, SCHEDULE};

/// Chunks per call.
pub const DEGREE: usize = 8;

#[inline(always)]
unsafe fn add(a: __m256i, b: __m256i) -> __m256i {
    _mm256_add_epi32(a, b)
}

#[inline(always)]
unsafe fn xor(a: __m256i, b: __m256i) -> __m256i {
    _mm256_xor_si256(a, b)
}

#[inline(always)]
unsafe fn rotate_16(x: __m256i) -> __m256i {
    let mask = _mm256_set_epi8(
        13, 12, 15, 14, 9, 8, 11, 10, 5, 4, 7, 6, 1, 0, 3, 2, 13, 12, 15, 14, 9, 8, 11, 10, 5, 4,
        7, 6, 1, 0, 3, 2,
    );
    _mm256_shuffle_epi8(x, mask)
}

#[inline(always)]
unsafe fn rotate_8(x: __m256i) -> __m256i {
    let mask = _mm256_set_epi8(
        12, 15, 14, 13, 8, 11, 10, 9, 4, 7, 6, 5, 0, 3, 2, 1, 12, 15, 14, 13, 8, 11, 10, 9, 4, 7,
        6, 5, 0, 3, 2, 1,
    );
    _mm256_shuffle_epi8(x, mask)
}

#[inline(always)]
unsafe fn rotate_12(x: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_srli_epi32(x, 12), _mm256_slli_epi32(x, 20))
}

#[inline(always)]
unsafe fn rotate_7(x: __m256i) -> __m256i {
    _mm256_or_si256(_mm256_srli_epi32(x, 7), _mm256_slli_epi32(x, 25))
}

#[inline(always)]
unsafe fn g(v: &mut [__m256i; 16], a: usize, b: usize, c: usize, d: usize, x: __m256i, y: __m256i) {
    v[a] = add(add(v[a], v[b]), x);
    v[d] = rotate_16(xor(v[d], v[a]));
    v[c] = add(v[c], v[d]);
    v[b] = rotate_12(xor(v[b], v[c]));
    v[a] = add(add(v[a], v[b]), y);
    v[d] = rotate_8(xor(v[d], v[a]));
    v[c] = add(v[c], v[d]);
    v[b] = rotate_7(xor(v[b], v[c]));
}

#[inline(always)]
unsafe fn round(v: &mut [__m256i; 16], m: &[__m256i; 16], order: &[usize; 16]) {
    g(v, 0, 4, 8, 12, m[order[0]], m[order[1]]);
    g(v, 1, 5, 9, 13, m[order[2]], m[order[3]]);
    g(v, 2, 6, 10, 14, m[order[4]], m[order[5]]);
    g(v, 3, 7, 11, 15, m[order[6]], m[order[7]]);
    g(v, 0, 5, 10, 15, m[order[8]], m[order[9]]);
    g(v, 1, 6, 11, 12, m[order[10]], m[order[11]]);
    g(v, 2, 7, 8, 13, m[order[12]], m[order[13]]);
    g(v, 3, 4, 9, 14, m[order[14]], m[order[15]]);
}

/// Transposes an 8x8 matrix of u32 held as 8 rows: afterwards `rows[j]` holds old column `j`.
#[inline(always)]
unsafe fn transpose(rows: &mut [__m256i; 8]) {
    let ab_0145 = _mm256_unpacklo_epi32(rows[0], rows[1]);
    let ab_2367 = _mm256_unpackhi_epi32(rows[0], rows[1]);
    let cd_0145 = _mm256_unpacklo_epi32(rows[2], rows[3]);
    let cd_2367 = _mm256_unpackhi_epi32(rows[2], rows[3]);
    let ef_0145 = _mm256_unpacklo_epi32(rows[4], rows[5]);
    let ef_2367 = _mm256_unpackhi_epi32(rows[4], rows[5]);
    let gh_0145 = _mm256_unpacklo_epi32(rows[6], rows[7]);
    let gh_2367 = _mm256_unpackhi_epi32(rows[6], rows[7]);
    let abcd_04 = _mm256_unpacklo_epi64(ab_0145, cd_0145);
    let abcd_15 = _mm256_unpackhi_epi64(ab_0145, cd_0145);
    let abcd_26 = _mm256_unpacklo_epi64(ab_2367, cd_2367);
    let abcd_37 = _mm256_unpackhi_epi64(ab_2367, cd_2367);
    let efgh_04 = _mm256_unpacklo_epi64(ef_0145, gh_0145);
    let efgh_15 = _mm256_unpackhi_epi64(ef_0145, gh_0145);
    let efgh_26 = _mm256_unpacklo_epi64(ef_2367, gh_2367);
    let efgh_37 = _mm256_unpackhi_epi64(ef_2367, gh_2367);
    rows[0] = _mm256_permute2x128_si256(abcd_04, efgh_04, 0x20);
    rows[4] = _mm256_permute2x128_si256(abcd_04, efgh_04, 0x31);
    rows[1] = _mm256_permute2x128_si256(abcd_15, efgh_15, 0x20);
    rows[5] = _mm256_permute2x128_si256(abcd_15, efgh_15, 0x31);
    rows[2] = _mm256_permute2x128_si256(abcd_26, efgh_26, 0x20);
    rows[6] = _mm256_permute2x128_si256(abcd_26, efgh_26, 0x31);
    rows[3] = _mm256_permute2x128_si256(abcd_37, efgh_37, 0x20);
    rows[7] = _mm256_permute2x128_si256(abcd_37, efgh_37, 0x31);
}

/// Message words of block `block` of each of the 8 chunks: `m[j]` lane `i` = word `j` of
/// chunk `i`. Words are little-endian, which x86 loads are.
#[inline(always)]
unsafe fn load_message(chunks: &[u8], block: usize) -> [__m256i; 16] {
    let mut low = [_mm256_setzero_si256(); 8];
    let mut high = [_mm256_setzero_si256(); 8];
    for chunk in 0..DEGREE {
        let bytes = &chunks[chunk * CHUNK_BYTES + block * BLOCK_BYTES..][..BLOCK_BYTES];
        low[chunk] = _mm256_loadu_si256(bytes.as_ptr().cast());
        high[chunk] = _mm256_loadu_si256(bytes[32..].as_ptr().cast());
    }
    transpose(&mut low);
    transpose(&mut high);
    let mut m = [_mm256_setzero_si256(); 16];
    m[..8].copy_from_slice(&low);
    m[8..].copy_from_slice(&high);
    m
}

/// Chaining values of the 8 complete chunks in `chunks[0, 8 KiB)`, numbered from `counter`.
///
/// # Safety
/// The CPU must support AVX2.
#[target_feature(enable = "avx2")]
pub unsafe fn hash_chunks(chunks: &[u8], counter: u64) -> [[u32; 8]; DEGREE] {
    assert!(chunks.len() >= DEGREE * CHUNK_BYTES);
    let mut counters_low = [0u32; DEGREE];
    let mut counters_high = [0u32; DEGREE];
    for lane in 0..DEGREE {
        let value = counter + lane as u64;
        counters_low[lane] = value as u32;
        counters_high[lane] = (value >> 32) as u32;
    }
    let counter_low = _mm256_loadu_si256(counters_low.as_ptr().cast());
    let counter_high = _mm256_loadu_si256(counters_high.as_ptr().cast());
    let iv = IV.map(|word| _mm256_set1_epi32(word as i32));
    let block_len = _mm256_set1_epi32(BLOCK_BYTES as i32);
    let mut h: [__m256i; 8] = iv;
    let blocks = CHUNK_BYTES / BLOCK_BYTES;
    for block in 0..blocks {
        let mut flags = 0;
        if block == 0 {
            flags |= CHUNK_START;
        }
        if block == blocks - 1 {
            flags |= CHUNK_END;
        }
        let m = load_message(chunks, block);
        let mut v = [
            h[0],
            h[1],
            h[2],
            h[3],
            h[4],
            h[5],
            h[6],
            h[7],
            iv[0],
            iv[1],
            iv[2],
            iv[3],
            counter_low,
            counter_high,
            block_len,
            _mm256_set1_epi32(flags as i32),
        ];
        for order in &SCHEDULE {
            round(&mut v, &m, order);
        }
        for i in 0..8 {
            h[i] = xor(v[i], v[i + 8]);
        }
    }
    transpose(&mut h);
    let mut cvs = [[0u32; 8]; DEGREE];
    for (cv, row) in cvs.iter_mut().zip(h.iter()) {
        _mm256_storeu_si256(cv.as_mut_ptr().cast(), *row);
    }
    cvs
}
