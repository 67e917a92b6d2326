//! Glyph runs for the report PDF. krilla's `draw_text` parses the font's layout tables
//! and builds a shaping plan on every call, which made shaping most of a year report's
//! time (30,000 table rows). Here each font is parsed once per document, a monospaced
//! run of simple characters maps one character to one glyph straight from the font's
//! character map (what shaping would give: a monospaced font has no kerning, and these
//! characters have no ligatures or marks), and every other run is shaped once per
//! distinct text.

use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

use krilla::text::{GlyphId, KrillaGlyph};
use rustybuzz::{Direction, UnicodeBuffer};

use super::layout::Face;

/// One parsed font and whether its advances are all equal.
struct Parsed {
    face: rustybuzz::Face<'static>,
    units_per_em: f32,
    monospaced: bool,
}

pub struct Shaper {
    fonts: [Parsed; 4],
    /// Shaped runs per face, by text.
    cache: [HashMap<String, Rc<[KrillaGlyph]>>; 4],
}

fn index(face: Face) -> usize {
    match face {
        Face::Regular => 0,
        Face::Bold => 1,
        Face::Mono => 2,
        Face::MonoBold => 3,
    }
}

/// A character that shapes to exactly one glyph on its own: left-to-right, no combining
/// marks, no joining or contextual forms (Latin, Greek, general punctuation).
fn simple(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{a0}'..='\u{24f}' | '\u{370}'..='\u{3ff}' | '\u{2000}'..='\u{206f}')
        && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}')
}

impl Shaper {
    /// `data` gives each face's font file.
    pub fn new(data: impl Fn(Face) -> &'static [u8]) -> Self {
        let parse = |face: Face, monospaced: bool| {
            let face = rustybuzz::Face::from_slice(data(face), 0).expect("the embedded DejaVu fonts parse");
            Parsed { units_per_em: face.units_per_em() as f32, face, monospaced }
        };
        Shaper {
            fonts: [parse(Face::Regular, false), parse(Face::Bold, false), parse(Face::Mono, true), parse(Face::MonoBold, true)],
            cache: Default::default(),
        }
    }

    /// The glyphs of `text` in `face`, positioned as `draw_text` would place them.
    pub fn glyphs(&mut self, face: Face, text: &str) -> Rc<[KrillaGlyph]> {
        let (font, cache) = (&self.fonts[index(face)], &mut self.cache[index(face)]);
        if font.monospaced
            && let Some(glyphs) = direct(font, text)
        {
            return glyphs.into();
        }
        if let Some(glyphs) = cache.get(text) {
            return glyphs.clone();
        }
        let glyphs: Rc<[KrillaGlyph]> = shape(font, text).into();
        cache.insert(text.to_owned(), glyphs.clone());
        glyphs
    }
}

/// One glyph per character from the character map, or None when a character is not
/// simple or not in the font (then it is shaped, which also gives the font's .notdef).
fn direct(font: &Parsed, text: &str) -> Option<Vec<KrillaGlyph>> {
    text.char_indices()
        .map(|(at, c)| {
            if !simple(c) {
                return None;
            }
            let id = font.face.glyph_index(c)?;
            let advance = font.face.glyph_hor_advance(id)? as f32 / font.units_per_em;
            Some(glyph(id.0, advance, 0.0, 0.0, at..at + c.len_utf8()))
        })
        .collect()
}

fn glyph(id: u16, x_advance: f32, x_offset: f32, y_offset: f32, range: Range<usize>) -> KrillaGlyph {
    KrillaGlyph::new(GlyphId::new(id.into()), x_advance, x_offset, y_offset, 0.0, range, None)
}

/// Left-to-right shaping with rustybuzz, as krilla's `draw_text` does it: a glyph covers
/// the text from its cluster to the next cluster.
fn shape(font: &Parsed, text: &str) -> Vec<KrillaGlyph> {
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(text);
    buffer.guess_segment_properties();
    buffer.set_direction(Direction::LeftToRight);
    let output = rustybuzz::shape(&font.face, &[], buffer);
    let (infos, positions) = (output.glyph_infos(), output.glyph_positions());
    let units = font.units_per_em;
    (0..infos.len())
        .map(|i| {
            let start = infos[i].cluster as usize;
            let end = infos[i + 1..].iter().map(|info| info.cluster as usize).find(|&c| c != start).unwrap_or(text.len());
            let p = positions[i];
            glyph(infos[i].glyph_id as u16, p.x_advance as f32 / units, p.x_offset as f32 / units, p.y_offset as f32 / units, start..end)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use krilla::text::Glyph;

    fn shaper() -> Shaper {
        Shaper::new(super::super::pdf::font_data)
    }

    fn summary(glyphs: &[KrillaGlyph]) -> Vec<(u32, Range<usize>, i32)> {
        glyphs.iter().map(|g| (g.glyph_id().to_u32(), g.text_range(), (g.x_advance(1000.0)).round() as i32)).collect()
    }

    /// The direct path gives exactly what full shaping gives for table rows.
    #[test]
    fn direct_mono_glyphs_equal_shaped_glyphs() {
        let s = shaper();
        for face in [Face::Mono, Face::MonoBold] {
            let font = &s.fonts[index(face)];
            for text in ["  12  2026-11-24 07:03:10       279.0        1.0      300.0      -21.0  task-0000abcd…", "#  Start  Δ s  Task id · – ©é"] {
                let direct = direct(font, text).expect("simple text");
                assert_eq!(summary(&direct), summary(&shape(font, text)), "{text}");
            }
        }
    }

    #[test]
    fn other_text_is_shaped_and_cached() {
        let mut s = shaper();
        // A combining accent and Arabic are shaped, not mapped one to one.
        let font = &s.fonts[index(Face::Mono)];
        assert!(direct(font, "e\u{301}").is_none());
        assert!(direct(font, "مرحبا").is_none());
        let a = s.glyphs(Face::Regular, "Session 1 · started");
        let b = s.glyphs(Face::Regular, "Session 1 · started");
        assert!(Rc::ptr_eq(&a, &b));
        let cached = |s: &Shaper| s.cache.iter().map(HashMap::len).sum::<usize>();
        assert_eq!(cached(&s), 1);
        // The direct path fills no cache: table rows are all different.
        s.glyphs(Face::Mono, "   1  07:00:00");
        assert_eq!(cached(&s), 1);
    }
}
