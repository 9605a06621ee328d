//! Splitting assembly text into tokens, each with its line and column.

use super::AsmError;

/// A position in the source, 1-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column in characters, from 1.
    pub column: u32,
}

/// What a token is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A name: mnemonic, label, `buffer`, `end`.
    Ident(String),
    /// A directive such as `.static` (without the dot).
    Directive(String),
    /// A number as written: decimal digits, `0x` hex, optionally with a leading `-`.
    Number(String),
    /// `(`
    Open,
    /// `)`
    Close,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// The end of a line outside parentheses.
    Newline,
}

/// A token and where it starts.
#[derive(Clone, Debug)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Where it starts.
    pub pos: Pos,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Tokens of `source`. Newlines inside parentheses are spaces, so a value may span
/// lines; `;` starts a comment to the end of the line.
pub fn tokenize(source: &str) -> Result<Vec<Token>, AsmError> {
    let mut tokens = Vec::new();
    let mut chars = source.chars().peekable();
    let mut pos = Pos { line: 1, column: 1 };
    let mut depth: u64 = 0;
    while let Some(&c) = chars.peek() {
        let start = pos;
        let bump = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>, pos: &mut Pos| {
            let c = chars.next();
            if c == Some('\n') {
                pos.line += 1;
                pos.column = 1;
            } else {
                pos.column += 1;
            }
            c
        };
        match c {
            '\n' => {
                bump(&mut chars, &mut pos);
                if depth == 0 {
                    tokens.push(Token {
                        tok: Tok::Newline,
                        pos: start,
                    });
                }
            }
            c if c.is_whitespace() => {
                bump(&mut chars, &mut pos);
            }
            ';' => {
                while chars.peek().is_some_and(|c| *c != '\n') {
                    bump(&mut chars, &mut pos);
                }
            }
            '(' | ')' | ',' | ':' => {
                bump(&mut chars, &mut pos);
                let tok = match c {
                    '(' => {
                        depth += 1;
                        Tok::Open
                    }
                    ')' => {
                        depth = depth.saturating_sub(1);
                        Tok::Close
                    }
                    ',' => Tok::Comma,
                    _ => Tok::Colon,
                };
                tokens.push(Token { tok, pos: start });
            }
            '.' => {
                bump(&mut chars, &mut pos);
                let mut name = String::new();
                while chars.peek().is_some_and(|c| is_ident_char(*c)) {
                    name.extend(bump(&mut chars, &mut pos));
                }
                if name.is_empty() {
                    return Err(AsmError::at(start, "expected a directive name after `.`"));
                }
                tokens.push(Token {
                    tok: Tok::Directive(name),
                    pos: start,
                });
            }
            c if c.is_ascii_digit() || c == '-' => {
                let mut text = String::new();
                text.extend(bump(&mut chars, &mut pos));
                while chars
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    text.extend(bump(&mut chars, &mut pos));
                }
                tokens.push(Token {
                    tok: Tok::Number(text),
                    pos: start,
                });
            }
            c if is_ident_start(c) => {
                let mut name = String::new();
                while chars.peek().is_some_and(|c| is_ident_char(*c)) {
                    name.extend(bump(&mut chars, &mut pos));
                }
                tokens.push(Token {
                    tok: Tok::Ident(name),
                    pos: start,
                });
            }
            other => {
                return Err(AsmError::at(
                    start,
                    format!("unexpected character `{}`", other.escape_debug()),
                ))
            }
        }
    }
    tokens.push(Token {
        tok: Tok::Newline,
        pos,
    });
    Ok(tokens)
}
