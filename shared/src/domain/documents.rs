//! Employee documents: what may be uploaded, and how an uploaded object is
//! checked. The checker is fed the object chunk by chunk, so a 10 MiB file
//! never has to be in memory at once.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::audit::hex;

/// The largest document accepted.
pub const MAX_SIZE: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Resume,
    Id,
    Contract,
    Other,
}

impl Kind {
    pub fn parse(s: &str) -> Result<Self, &'static str> {
        match s {
            "resume" => Ok(Self::Resume),
            "id" => Ok(Self::Id),
            "contract" => Ok(Self::Contract),
            "other" => Ok(Self::Other),
            _ => Err("must be one of resume, id, contract, other"),
        }
    }
}

/// The file types Tenure accepts, named by their media type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum FileType {
    #[serde(rename = "application/pdf")]
    Pdf,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    Docx,
}

impl FileType {
    pub const ALL: [FileType; 4] = [FileType::Pdf, FileType::Png, FileType::Jpeg, FileType::Docx];

    pub fn media_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }
    }

    pub fn parse(s: &str) -> Result<Self, &'static str> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|t| t.media_type() == s)
            .ok_or("must be application/pdf, image/png, image/jpeg or the DOCX media type")
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pdf => &["pdf"],
            FileType::Png => &["png"],
            FileType::Jpeg => &["jpg", "jpeg"],
            FileType::Docx => &["docx"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            FileType::Pdf => "PDF",
            FileType::Png => "PNG",
            FileType::Jpeg => "JPEG",
            FileType::Docx => "DOCX",
        }
    }
}

/// A filename as shown to people: 1 to 255 characters, no path, no control
/// characters, an extension that matches the declared type. It is kept as
/// data only; object keys never contain it.
pub fn filename(raw: &str, t: FileType) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("is required".into());
    }
    if s.chars().count() > 255 {
        return Err("must be at most 255 characters".into());
    }
    if s.chars().any(|c| c.is_control()) {
        return Err("must not contain control characters".into());
    }
    if s.contains(['/', '\\']) || s == "." || s == ".." || s.starts_with('.') {
        return Err("must be a plain file name, without a path".into());
    }
    if s.contains(['"', '<', '>', '|', ':', '*', '?']) {
        return Err("must not contain \" < > | : * ?".into());
    }
    let ext = s.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    if !t.extensions().contains(&ext.as_str()) {
        return Err(format!("must end in .{} for a {} file", t.extensions().join(" or ."), t.name()));
    }
    Ok(s.to_string())
}

/// Why an object was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    TooLarge { declared: u64, seen: u64 },
    SizeMismatch { declared: u64, actual: u64 },
    TypeMismatch { declared: FileType, actual: Option<FileType> },
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::TooLarge { declared, seen } => {
                write!(f, "the object is larger than declared ({seen}+ bytes, declared {declared})")
            }
            Rejection::SizeMismatch { declared, actual } => {
                write!(f, "the object is {actual} bytes, declared {declared}")
            }
            Rejection::TypeMismatch { declared, actual: Some(a) } => {
                write!(f, "the content is {}, declared {}", a.name(), declared.name())
            }
            Rejection::TypeMismatch { declared, actual: None } => {
                write!(f, "the content is not a PDF, PNG, JPEG or DOCX file (declared {})", declared.name())
            }
        }
    }
}

/// The result of a successful check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub size: u64,
    pub sha256: String,
    pub file_type: FileType,
}

/// Checks an object as it streams by: size, SHA-256, and the real type by
/// its magic bytes (for DOCX: a ZIP whose entries include
/// `[Content_Types].xml` and `word/document.xml`).
pub struct Checker {
    declared_type: FileType,
    declared_size: u64,
    seen: u64,
    hash: Sha256,
    head: Vec<u8>,
    /// The tail of the previous chunk, so names split across chunks match.
    carry: Vec<u8>,
    has_content_types: bool,
    has_word_document: bool,
}

const DOCX_CONTENT_TYPES: &[u8] = b"[Content_Types].xml";
const DOCX_DOCUMENT: &[u8] = b"word/document.xml";

impl Checker {
    pub fn new(declared_type: FileType, declared_size: u64) -> Self {
        Self {
            declared_type,
            declared_size,
            seen: 0,
            hash: Sha256::new(),
            head: Vec::with_capacity(16),
            carry: Vec::new(),
            has_content_types: false,
            has_word_document: false,
        }
    }

    /// Feeds the next chunk. Fails as soon as the object exceeds the
    /// declared size (the caller stops reading).
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), Rejection> {
        self.seen += chunk.len() as u64;
        if self.seen > self.declared_size || self.seen > MAX_SIZE {
            return Err(Rejection::TooLarge { declared: self.declared_size, seen: self.seen });
        }
        self.hash.update(chunk);
        if self.head.len() < 16 {
            let take = (16 - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        if self.declared_type == FileType::Docx {
            let mut window = std::mem::take(&mut self.carry);
            window.extend_from_slice(chunk);
            self.has_content_types |= contains(&window, DOCX_CONTENT_TYPES);
            self.has_word_document |= contains(&window, DOCX_DOCUMENT);
            let keep = DOCX_CONTENT_TYPES.len().max(DOCX_DOCUMENT.len());
            self.carry = window[window.len().saturating_sub(keep)..].to_vec();
        }
        Ok(())
    }

    fn detected(&self) -> Option<FileType> {
        let h = &self.head;
        if h.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if h.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileType::Png)
        } else if h.starts_with(b"\xFF\xD8\xFF") {
            Some(FileType::Jpeg)
        } else if h.starts_with(b"PK\x03\x04") && self.has_content_types && self.has_word_document {
            Some(FileType::Docx)
        } else {
            None
        }
    }

    /// The verdict once the whole object was read.
    pub fn finish(self) -> Result<Checked, Rejection> {
        if self.seen != self.declared_size {
            return Err(Rejection::SizeMismatch { declared: self.declared_size, actual: self.seen });
        }
        let actual = self.detected();
        if actual != Some(self.declared_type) {
            return Err(Rejection::TypeMismatch { declared: self.declared_type, actual });
        }
        Ok(Checked { size: self.seen, sha256: hex(&self.hash.finalize()), file_type: self.declared_type })
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(t: FileType, bytes: &[u8], chunk: usize) -> Result<Checked, Rejection> {
        let mut c = Checker::new(t, bytes.len() as u64);
        for part in bytes.chunks(chunk.max(1)) {
            c.update(part)?;
        }
        c.finish()
    }

    fn docx() -> Vec<u8> {
        let mut v = b"PK\x03\x04".to_vec();
        v.extend_from_slice(&[0u8; 26]);
        v.extend_from_slice(b"[Content_Types].xml<xml/>PK\x03\x04");
        v.extend_from_slice(&[0u8; 26]);
        v.extend_from_slice(b"word/document.xml<w:document/>");
        v
    }

    #[test]
    fn real_files_of_each_type_pass_whatever_the_chunking() {
        let pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n".to_vec();
        let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 40]].concat();
        let jpg = [b"\xFF\xD8\xFF\xE0".as_slice(), &[1u8; 40]].concat();
        for chunk in [1, 3, 7, 4096] {
            assert_eq!(check(FileType::Pdf, &pdf, chunk).unwrap().file_type, FileType::Pdf);
            assert!(check(FileType::Png, &png, chunk).is_ok());
            assert!(check(FileType::Jpeg, &jpg, chunk).is_ok());
            assert!(check(FileType::Docx, &docx(), chunk).is_ok(), "docx in chunks of {chunk}");
        }
        let c = check(FileType::Pdf, &pdf, 5).unwrap();
        assert_eq!(c.sha256, hex(&Sha256::digest(&pdf)));
    }

    #[test]
    fn bytes_that_lie_about_their_type_are_rejected() {
        let exe = b"MZ\x90\x00 this is not a pdf".to_vec();
        assert!(matches!(check(FileType::Pdf, &exe, 4), Err(Rejection::TypeMismatch { actual: None, .. })));
        let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 8]].concat();
        assert!(matches!(
            check(FileType::Pdf, &png, 4),
            Err(Rejection::TypeMismatch { actual: Some(FileType::Png), .. })
        ));
        let zip = b"PK\x03\x04 just a zip with notes.txt".to_vec();
        assert!(check(FileType::Docx, &zip, 4).is_err(), "a plain ZIP is not a DOCX");
    }

    #[test]
    fn a_size_other_than_declared_is_rejected() {
        let pdf = b"%PDF-1.4 hello".to_vec();
        let mut c = Checker::new(FileType::Pdf, 100);
        c.update(&pdf).unwrap();
        assert_eq!(c.finish(), Err(Rejection::SizeMismatch { declared: 100, actual: pdf.len() as u64 }));
        let mut c = Checker::new(FileType::Pdf, 4);
        assert!(matches!(c.update(&pdf), Err(Rejection::TooLarge { .. })));
    }

    #[test]
    fn filenames_are_plain_names_with_a_matching_extension() {
        assert_eq!(filename(" Curriculum Vitæ.pdf ", FileType::Pdf).unwrap(), "Curriculum Vitæ.pdf");
        assert!(filename("photo.JPEG", FileType::Jpeg).is_ok());
        for bad in [
            "../../etc/passwd.pdf",
            "a/b.pdf",
            "a\\b.pdf",
            "..",
            ".pdf",
            "cv\u{0}.pdf",
            "cv\n.pdf",
            "cv.exe",
            "cv.pdf.exe",
            "",
            "x\".pdf",
        ] {
            assert!(filename(bad, FileType::Pdf).is_err(), "{bad:?} accepted");
        }
        assert!(filename(&format!("{}.pdf", "a".repeat(300)), FileType::Pdf).is_err());
        assert!(filename("cv.pdf", FileType::Png).is_err());
    }
}
