//! What proving a step costs on L1: EVM gas per `executeStep`, summarized by opcode
//! class as a Markdown table for the docs.

use std::collections::BTreeMap;

/// EVM gas figures of one opcode class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GasRow {
    /// The class, as the instruction table groups opcodes (`arithmetic`, `hashing`, ...).
    pub class: &'static str,
    /// Lowest opcode byte of the class (the order rows are printed in).
    pub first_opcode: u8,
    /// Distinct opcodes seen.
    pub opcodes: usize,
    /// Steps measured.
    pub steps: usize,
    /// Least EVM gas of a step.
    pub min: u64,
    /// Mean EVM gas of a step, rounded down.
    pub mean: u64,
    /// Most EVM gas of a step.
    pub max: u64,
}

/// Rows of EVM gas per step by opcode class, from `(opcode, evm_gas)` samples; ordered by
/// opcode.
pub fn gas_rows(samples: impl IntoIterator<Item = (u8, u64)>) -> Vec<GasRow> {
    // class -> (first opcode, opcodes seen, gas samples)
    let mut classes: BTreeMap<&'static str, (u8, Vec<u8>, Vec<u64>)> = BTreeMap::new();
    for (opcode, gas) in samples {
        let entry = classes.entry(avm_code::category_of(opcode)).or_insert((
            opcode,
            Vec::new(),
            Vec::new(),
        ));
        entry.0 = entry.0.min(opcode);
        if !entry.1.contains(&opcode) {
            entry.1.push(opcode);
        }
        entry.2.push(gas);
    }
    let mut rows: Vec<GasRow> = classes
        .into_iter()
        .map(|(class, (first_opcode, opcodes, gas))| {
            let total: u128 = gas.iter().map(|&g| u128::from(g)).sum();
            let steps = gas.len();
            GasRow {
                class,
                first_opcode,
                opcodes: opcodes.len(),
                steps,
                min: gas.iter().copied().min().unwrap_or(0),
                mean: u64::try_from(total / steps.max(1) as u128).unwrap_or(u64::MAX),
                max: gas.iter().copied().max().unwrap_or(0),
            }
        })
        .collect();
    rows.sort_by_key(|row| row.first_opcode);
    rows
}

/// The rows as a Markdown table, with an "all steps" line.
pub fn gas_table_markdown(samples: impl IntoIterator<Item = (u8, u64)>) -> String {
    let samples: Vec<(u8, u64)> = samples.into_iter().collect();
    let rows = gas_rows(samples.iter().copied());
    let mut out = String::from(
        "| opcode class | opcodes | steps | min gas | mean gas | max gas |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in &rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            row.class,
            row.opcodes,
            row.steps,
            thousands(row.min),
            thousands(row.mean),
            thousands(row.max)
        ));
    }
    if !samples.is_empty() {
        let gas: Vec<u64> = samples.iter().map(|&(_, g)| g).collect();
        let total: u128 = gas.iter().map(|&g| u128::from(g)).sum();
        let mut distinct: Vec<u8> = samples.iter().map(|&(op, _)| op).collect();
        distinct.sort_unstable();
        distinct.dedup();
        out.push_str(&format!(
            "| **all steps** | {} | {} | {} | {} | {} |\n",
            distinct.len(),
            gas.len(),
            thousands(gas.iter().copied().min().unwrap_or(0)),
            thousands(u64::try_from(total / gas.len() as u128).unwrap_or(u64::MAX)),
            thousands(gas.iter().copied().max().unwrap_or(0)),
        ));
    }
    out
}

/// `1234567` as `1,234,567`.
fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_group_by_class_in_opcode_order() {
        let rows = gas_rows([(0x20, 10), (0x01, 5), (0x02, 7), (0x01, 9), (0x23, 30)]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].class, "arithmetic");
        assert_eq!((rows[0].opcodes, rows[0].steps), (2, 3));
        assert_eq!((rows[0].min, rows[0].mean, rows[0].max), (5, 7, 9));
        assert_eq!(rows[1].class, "hashing");
        assert_eq!((rows[1].min, rows[1].mean, rows[1].max), (10, 20, 30));
    }

    #[test]
    fn markdown_has_a_line_per_class_and_a_total() {
        let table = gas_table_markdown([(0x01, 1_000), (0x83, 2_600_000)]);
        assert!(table.contains("| arithmetic | 1 | 1 | 1,000 | 1,000 | 1,000 |"));
        assert!(table.contains("| **all steps** | 2 | 2 | 1,000 | 1,300,500 | 2,600,000 |"));
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
    }
}
