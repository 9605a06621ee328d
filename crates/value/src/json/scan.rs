//! Byte-level scanning for the JSON reader: the fast paths that find where a plain
//! string or number ends, and [`Probe`], which tries fixed shapes without reading.

/// A look ahead for fixed JSON shapes that a caller meets very often, to read them in
/// one step: [`JsonReader::probe`] starts it at the reader's position without moving
/// the reader, and [`JsonReader::accept`] moves the reader past what it matched.
///
/// The probe checks spelling only. What a caller accepts must be whole values with no
/// key twice in one object, nesting no more containers than [`Probe::fits`] allowed;
/// anything else should be left to the reader, which checks everything.
pub struct Probe<'a> {
    pub(super) src: &'a [u8],
    pub(super) start: usize,
    pub(super) pos: usize,
    /// How many more containers the reader would let open here.
    pub(super) room: usize,
}

impl<'a> Probe<'a> {
    pub(super) fn new(src: &'a [u8], pos: usize) -> Self {
        Probe {
            src,
            start: pos,
            pos,
            room: 0,
        }
    }

    /// Whether `containers` nested containers may be opened here.
    pub fn fits(&self, containers: usize) -> Option<()> {
        (containers <= self.room).then_some(())
    }

    /// `"key":`, the key spelled without escapes, after optional white space.
    pub fn key(&mut self, key: &str) -> Option<()> {
        self.byte(b'"')?;
        let end = self.pos + key.len();
        (self.src.get(self.pos..end)? == key.as_bytes()).then_some(())?;
        self.pos = end;
        self.exact(b'"')?;
        self.byte(b':')
    }

    /// An integer of plain decimal digits that fits in 64 bits, after optional white
    /// space.
    pub fn u64(&mut self) -> Option<u64> {
        self.ws();
        let (n, end) = plain_u64(self.src, self.pos)?;
        self.pos = end;
        Some(n)
    }

    /// Exactly `text`, after optional white space.
    pub fn literal(&mut self, text: &[u8]) -> Option<()> {
        self.ws();
        let end = self.pos + text.len();
        (self.src.get(self.pos..end)? == text).then(|| self.pos = end)
    }

    pub(super) fn ws(&mut self) {
        while matches!(self.src.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// `b`, after optional white space.
    pub fn byte(&mut self, b: u8) -> Option<()> {
        self.ws();
        self.exact(b)
    }

    /// `b`, right here.
    pub(super) fn exact(&mut self, b: u8) -> Option<()> {
        (self.src.get(self.pos) == Some(&b)).then(|| self.pos += 1)
    }

    /// `{"key":`, the key spelled without escapes.
    pub(super) fn open_member(&mut self, key: &str) -> Option<()> {
        self.byte(b'{')?;
        self.key(key)
    }
}

/// Where the run of string bytes from `from` that need no attention ends: the first
/// quote, backslash or control byte (or the end), found eight bytes at a time.
pub(super) fn plain_run_end(src: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let mut i = from;
    while let Some(chunk) = src.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_ne_bytes(word);
        let control = x.wrapping_sub(ONES * 0x20) & !x & HIGHS != 0;
        if control
            || has_zero(x ^ (ONES * u64::from(b'"')))
            || has_zero(x ^ (ONES * u64::from(b'\\')))
        {
            break;
        }
        i += 8;
    }
    i
}

/// A number at `at` that is only decimal digits and fits in 64 bits, and where it ends;
/// None for anything else (which the careful path reads or refuses).
pub(super) fn plain_u64(src: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut n: u64 = 0;
    let mut i = at;
    while let Some(&b) = src.get(i) {
        if !b.is_ascii_digit() {
            break;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        i += 1;
    }
    let ends_plainly = !matches!(src.get(i), Some(b'.' | b'e' | b'E'));
    (i > at && ends_plainly).then_some((n, i))
}
