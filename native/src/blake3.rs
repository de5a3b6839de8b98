//! BLAKE3, unkeyed hash mode with 32-byte output, written from the specification
//! (O'Connor, Aumasson, Neves, Wilcox-O'Hearn, "BLAKE3: one function, fast everywhere", 2020).
//! Portable scalar code; runs of eight whole chunks go to `blake3_avx2` where the CPU has AVX2.
//!
//! Structure, per the spec: input is split into 1024-byte chunks of 64-byte blocks. Each chunk
//! is compressed block by block into a chaining value (CV), the first block flagged
//! CHUNK_START and the last CHUNK_END. Chunk CVs are the leaves of a binary tree whose parents
//! compress `left CV ++ right CV` (flag PARENT); the tree is left-full, so a stack of CVs is
//! enough: after the n-th chunk, merge once for each trailing zero bit of n. The very last
//! compression (a lone chunk's last block or the top parent) also carries ROOT.
//!
//! Invariant: a block is compressed only once more input follows it, because the last block
//! of the input needs different flags and is compressed in `finish`.

pub(crate) const IV: [u32; 8] = [
    0x6A09_E667,
    0xBB67_AE85,
    0x3C6E_F372,
    0xA54F_F53A,
    0x510E_527F,
    0x9B05_688C,
    0x1F83_D9AB,
    0x5BE0_CD19,
];

pub(crate) const CHUNK_START: u32 = 1 << 0;
pub(crate) const CHUNK_END: u32 = 1 << 1;
const PARENT: u32 = 1 << 2;
const ROOT: u32 = 1 << 3;

pub(crate) const BLOCK_BYTES: usize = 64;
pub(crate) const CHUNK_BYTES: usize = 1024;
pub const DIGEST_BYTES: usize = 32;
/// Chunks are counted in 64 bits, so the CV stack never holds more than 54 entries
/// (2^64 bytes / 2^10 bytes per chunk).
const STACK_DEPTH_MAX: usize = 54;

/// The message word permutation applied between rounds.
const PERMUTATION: [usize; 16] = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

/// Message word order of each of the 7 rounds: round r reads word `SCHEDULE[r][i]` where the
/// spec permutes the words r times, so no copying happens at run time.
pub(crate) const SCHEDULE: [[usize; 16]; 7] = {
    let mut schedule = [[0usize; 16]; 7];
    let mut i = 0;
    while i < 16 {
        schedule[0][i] = i;
        i += 1;
    }
    let mut round = 1;
    while round < 7 {
        let mut i = 0;
        while i < 16 {
            schedule[round][i] = schedule[round - 1][PERMUTATION[i]];
            i += 1;
        }
        round += 1;
    }
    schedule
};

#[inline(always)]
fn g(state: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize, x: u32, y: u32) {
    state[a] = state[a].wrapping_add(state[b]).wrapping_add(x);
    state[d] = (state[d] ^ state[a]).rotate_right(16);
    state[c] = state[c].wrapping_add(state[d]);
    state[b] = (state[b] ^ state[c]).rotate_right(12);
    state[a] = state[a].wrapping_add(state[b]).wrapping_add(y);
    state[d] = (state[d] ^ state[a]).rotate_right(8);
    state[c] = state[c].wrapping_add(state[d]);
    state[b] = (state[b] ^ state[c]).rotate_right(7);
}

/// One round: G over the four columns, then the four diagonals, reading the message words in
/// the order `order` gives for this round.
#[inline(always)]
fn round(s: &mut [u32; 16], m: &[u32; 16], order: &[usize; 16]) {
    g(s, 0, 4, 8, 12, m[order[0]], m[order[1]]);
    g(s, 1, 5, 9, 13, m[order[2]], m[order[3]]);
    g(s, 2, 6, 10, 14, m[order[4]], m[order[5]]);
    g(s, 3, 7, 11, 15, m[order[6]], m[order[7]]);
    g(s, 0, 5, 10, 15, m[order[8]], m[order[9]]);
    g(s, 1, 6, 11, 12, m[order[10]], m[order[11]]);
    g(s, 2, 7, 8, 13, m[order[12]], m[order[13]]);
    g(s, 3, 4, 9, 14, m[order[14]], m[order[15]]);
}

/// The compression function, truncated to the 8 words a CV or a 32-byte digest needs. The
/// rounds are spelled out so the schedule is constant and the state stays in registers.
fn compress(
    cv: &[u32; 8],
    block: &[u32; 16],
    counter: u64,
    block_len: u32,
    flags: u32,
) -> [u32; 8] {
    let mut s = [
        cv[0],
        cv[1],
        cv[2],
        cv[3],
        cv[4],
        cv[5],
        cv[6],
        cv[7],
        IV[0],
        IV[1],
        IV[2],
        IV[3],
        counter as u32,
        (counter >> 32) as u32,
        block_len,
        flags,
    ];
    round(&mut s, block, &SCHEDULE[0]);
    round(&mut s, block, &SCHEDULE[1]);
    round(&mut s, block, &SCHEDULE[2]);
    round(&mut s, block, &SCHEDULE[3]);
    round(&mut s, block, &SCHEDULE[4]);
    round(&mut s, block, &SCHEDULE[5]);
    round(&mut s, block, &SCHEDULE[6]);
    let mut out = [0u32; 8];
    for i in 0..8 {
        out[i] = s[i] ^ s[i + 8];
    }
    out
}

fn words_of(block: &[u8]) -> [u32; 16] {
    let mut words = [0u32; 16];
    for (word, bytes) in words.iter_mut().zip(block.chunks_exact(4)) {
        *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    words
}

/// The inputs of a compression not yet done, because its flags (ROOT or not) are not known.
struct Pending {
    cv: [u32; 8],
    block: [u32; 16],
    counter: u64,
    block_len: u32,
    flags: u32,
}

impl Pending {
    fn chaining_value(&self) -> [u32; 8] {
        compress(
            &self.cv,
            &self.block,
            self.counter,
            self.block_len,
            self.flags,
        )
    }

    /// The 32-byte root digest: first output block, so the counter is 0.
    fn root_digest(&self, out: &mut [u8; DIGEST_BYTES]) {
        let words = compress(&self.cv, &self.block, 0, self.block_len, self.flags | ROOT);
        for (bytes, word) in out.chunks_exact_mut(4).zip(words) {
            bytes.copy_from_slice(&word.to_le_bytes());
        }
    }

    fn parent(left: &[u32; 8], right: &[u32; 8]) -> Pending {
        let mut block = [0u32; 16];
        block[..8].copy_from_slice(left);
        block[8..].copy_from_slice(right);
        Pending {
            cv: IV,
            block,
            counter: 0,
            block_len: BLOCK_BYTES as u32,
            flags: PARENT,
        }
    }
}

/// One chunk in progress. Invariant: `block_len <= 64`, `blocks_done * 64 + block_len <= 1024`.
#[derive(Clone)]
struct Chunk {
    cv: [u32; 8],
    counter: u64,
    block: [u8; BLOCK_BYTES],
    block_len: usize,
    blocks_done: usize,
}

impl Chunk {
    fn new(counter: u64) -> Chunk {
        Chunk {
            cv: IV,
            counter,
            block: [0; BLOCK_BYTES],
            block_len: 0,
            blocks_done: 0,
        }
    }

    fn len(&self) -> usize {
        self.blocks_done * BLOCK_BYTES + self.block_len
    }

    fn start_flag(&self) -> u32 {
        if self.blocks_done == 0 {
            CHUNK_START
        } else {
            0
        }
    }

    fn compress_block(&mut self, block: &[u8]) {
        let flags = self.start_flag();
        self.cv = compress(
            &self.cv,
            &words_of(block),
            self.counter,
            BLOCK_BYTES as u32,
            flags,
        );
        self.blocks_done += 1;
    }

    /// Absorbs `input`, which must fit in the chunk.
    fn update(&mut self, mut input: &[u8]) {
        while !input.is_empty() {
            if self.block_len == BLOCK_BYTES {
                let block = self.block;
                self.compress_block(&block);
                self.block_len = 0;
            }
            // Whole blocks straight from the input while more input follows them.
            while self.block_len == 0 && input.len() > BLOCK_BYTES {
                self.compress_block(&input[..BLOCK_BYTES]);
                input = &input[BLOCK_BYTES..];
            }
            let take = (BLOCK_BYTES - self.block_len).min(input.len());
            self.block[self.block_len..self.block_len + take].copy_from_slice(&input[..take]);
            self.block_len += take;
            input = &input[take..];
        }
    }

    /// The chunk's last block, zero-padded, with CHUNK_END.
    fn last_block(&self) -> Pending {
        let mut padded = [0u8; BLOCK_BYTES];
        padded[..self.block_len].copy_from_slice(&self.block[..self.block_len]);
        Pending {
            cv: self.cv,
            block: words_of(&padded),
            counter: self.counter,
            block_len: self.block_len as u32,
            flags: self.start_flag() | CHUNK_END,
        }
    }
}

#[cfg(target_arch = "x86_64")]
const WIDE_BYTES: usize = crate::blake3_avx2::DEGREE * CHUNK_BYTES;

#[cfg(target_arch = "x86_64")]
fn wide_available() -> bool {
    std::is_x86_feature_detected!("avx2")
}

/// An incremental BLAKE3 hasher.
#[derive(Clone)]
pub struct Blake3 {
    chunk: Chunk,
    stack: [[u32; 8]; STACK_DEPTH_MAX],
    stack_len: usize,
}

impl Blake3 {
    pub fn new() -> Blake3 {
        Blake3 {
            chunk: Chunk::new(0),
            stack: [[0; 8]; STACK_DEPTH_MAX],
            stack_len: 0,
        }
    }

    /// Pushes the CV of chunk number `chunks_total - 1`, merging complete subtrees first.
    fn push_chunk_cv(&mut self, mut cv: [u32; 8], mut chunks_total: u64) {
        while chunks_total & 1 == 0 {
            self.stack_len -= 1;
            cv = Pending::parent(&self.stack[self.stack_len], &cv).chaining_value();
            chunks_total >>= 1;
        }
        self.stack[self.stack_len] = cv;
        self.stack_len += 1;
    }

    pub fn update(&mut self, mut input: &[u8]) {
        while !input.is_empty() {
            // A full chunk is closed only now that more input follows it.
            if self.chunk.len() == CHUNK_BYTES {
                let cv = self.chunk.last_block().chaining_value();
                let chunks_total = self.chunk.counter + 1;
                self.push_chunk_cv(cv, chunks_total);
                self.chunk = Chunk::new(chunks_total);
            }
            // Eight whole chunks at once, when more input follows them (so none is the last).
            #[cfg(target_arch = "x86_64")]
            if self.chunk.len() == 0 && input.len() > WIDE_BYTES && wide_available() {
                let first = self.chunk.counter;
                // SAFETY: AVX2 support was just checked; input holds WIDE_BYTES.
                let cvs = unsafe { crate::blake3_avx2::hash_chunks(&input[..WIDE_BYTES], first) };
                for (index, cv) in cvs.into_iter().enumerate() {
                    self.push_chunk_cv(cv, first + index as u64 + 1);
                }
                self.chunk = Chunk::new(first + cvs.len() as u64);
                input = &input[WIDE_BYTES..];
                continue;
            }
            let take = (CHUNK_BYTES - self.chunk.len()).min(input.len());
            self.chunk.update(&input[..take]);
            input = &input[take..];
        }
    }

    pub fn finish_into(&self, out: &mut [u8; DIGEST_BYTES]) {
        let mut node = self.chunk.last_block();
        for left in self.stack[..self.stack_len].iter().rev() {
            node = Pending::parent(left, &node.chaining_value());
        }
        node.root_digest(out);
    }
}

pub fn digest_into(data: &[u8], out: &mut [u8; DIGEST_BYTES]) {
    let mut hasher = Blake3::new();
    hasher.update(data);
    hasher.finish_into(out);
}
