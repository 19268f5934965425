//! FaceScrub list lines (tab-separated, with a header): parsed entries or an
//! error naming the line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(entries) = gradlab::faces::facescrub::parse_list("fuzz.txt", &text) {
        for entry in &entries {
            assert!(entry.bbox.x1 < entry.bbox.x2 && entry.bbox.y1 < entry.bbox.y2);
            assert_eq!(entry.sha256.len(), 64);
            // Where the face would be written: one safe path component.
            let folder = gradlab::faces::facescrub::person_folder(&entry.name);
            assert!(!folder.contains('/') && !folder.starts_with('.'));
        }
    }
});
