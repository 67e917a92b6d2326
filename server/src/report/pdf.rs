//! Paints laid-out pages into a PDF with krilla, embedding subsets of DejaVu Sans
//! (from the `dejavu` crate, so the binary needs no font files at run time).

use std::sync::OnceLock;

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::surface::Surface;
use krilla::text::Font;

use super::figures::Report;
use super::glyphs::Shaper;
use super::layout::{Face, Op, Paper, layout};

struct Fonts {
    regular: Font,
    bold: Font,
    mono: Font,
    mono_bold: Font,
}

/// The font file of a face.
pub fn font_data(face: Face) -> &'static [u8] {
    match face {
        Face::Regular => dejavu::sans::regular(),
        Face::Bold => dejavu::sans::bold(),
        Face::Mono => dejavu::sans_mono::regular(),
        Face::MonoBold => dejavu::sans_mono::bold(),
    }
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let load = |face: Face| Font::new(font_data(face).into(), 0).expect("the embedded DejaVu fonts parse");
        Fonts { regular: load(Face::Regular), bold: load(Face::Bold), mono: load(Face::Mono), mono_bold: load(Face::MonoBold) }
    })
}

impl Fonts {
    fn face(&self, face: Face) -> Font {
        match face {
            Face::Regular => self.regular.clone(),
            Face::Bold => self.bold.clone(),
            Face::Mono => self.mono.clone(),
            Face::MonoBold => self.mono_bold.clone(),
        }
    }
}

/// The report as PDF bytes.
pub fn render(report: &Report, paper: Paper) -> Result<Vec<u8>, String> {
    let (width, height) = paper.size();
    let mut document = Document::new();
    document.set_metadata(Metadata::new().title(format!("RaterHub Tracker report {}", report.period.label())).creator("RaterHub Tracker".into()));
    let mut shaper = Shaper::new(font_data);
    for ops in layout(report, paper) {
        let settings = PageSettings::from_wh(width, height).ok_or("bad paper size")?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        for op in &ops {
            paint(&mut surface, &mut shaper, op);
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("PDF export failed: {e:?}"))
}

fn paint(surface: &mut Surface, shaper: &mut Shaper, op: &Op) {
    match op {
        Op::Text { x, y, size, face, text } => {
            surface.set_fill(Some(fill(0)));
            let glyphs = shaper.glyphs(*face, text);
            surface.draw_glyphs(Point::from_xy(*x, *y), &glyphs, fonts().face(*face), text, *size, false);
        }
        Op::Rect { x, y, w, h, shade } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else { return };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            if let Some(path) = path.finish() {
                surface.set_fill(Some(fill(*shade)));
                surface.draw_path(&path);
            }
        }
    }
}

fn fill(shade: u8) -> Fill {
    Fill { paint: luma::Color::new(shade).into(), opacity: NormalizedF32::ONE, rule: Default::default() }
}
