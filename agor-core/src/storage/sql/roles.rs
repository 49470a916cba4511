//! Statements of `crate::roles`: custom roles as rows of `agor_roles`.

use std::borrow::Cow;
use std::str::FromStr;

use crate::error::Result;
use crate::rules::{Role, RoleDef, RoleHolder, TIER_PROJECT};
use crate::storage::lenient;
use crate::storage::{args, Row, Tx};

const COLUMNS: &str = "name, tier, capabilities, permissions, creates";

/// Space-separated words; words this build does not know (from a newer agor) are skipped.
fn words<T: FromStr + Ord>(text: &str) -> std::collections::BTreeSet<T> {
    text.split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// A role row read from `COLUMNS` starting at column `at`; `None` when the row is absent (the
/// columns of a LEFT JOIN that matched nothing).
fn def_at(r: &Row<'_>, at: usize) -> Result<Option<RoleDef>> {
    let Some(name) = lenient::opt_text(r, at)? else {
        return Ok(None);
    };
    Ok(Some(RoleDef {
        tier: lenient::opt_int(r, at + 1)?.unwrap_or(TIER_PROJECT),
        capabilities: words(&lenient::text(r, at + 2)?),
        permissions: words(&lenient::text(r, at + 3)?),
        creates: lenient::text(r, at + 4)?
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        built_in: false,
        name,
    }))
}

/// The rights of `role` given the role columns joined at `at`: a built-in row is fixed in
/// code; a custom role has its stored row, or a project agent's rights when undefined.
pub(crate) fn rights_from(role: &Role, r: &Row<'_>, at: usize) -> Result<Cow<'static, RoleDef>> {
    if let Some(def) = RoleDef::built_in(role) {
        return Ok(Cow::Borrowed(def));
    }
    Ok(Cow::Owned(
        def_at(r, at)?.unwrap_or_else(|| RoleDef::undefined(role.as_str())),
    ))
}

/// A custom role's stored row.
pub(crate) fn get(tx: &dyn Tx, name: &str) -> Result<Option<RoleDef>> {
    Ok(tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM agor_roles WHERE name = ?1"),
            args![name],
            |r| def_at(r, 0),
        )?
        .flatten())
}

/// Every custom role, by name.
pub(crate) fn custom(tx: &dyn Tx) -> Result<Vec<RoleDef>> {
    let rows = tx.query_map(
        &format!("SELECT {COLUMNS} FROM agor_roles ORDER BY name"),
        args![],
        |r| def_at(r, 0),
    )?;
    Ok(rows.into_iter().flatten().collect())
}

fn join<T: Copy>(items: impl IntoIterator<Item = T>, word: fn(T) -> &'static str) -> String {
    items.into_iter().map(word).collect::<Vec<_>>().join(" ")
}

/// Defines or redefines a custom role.
pub(crate) fn store(tx: &dyn Tx, def: &RoleDef, by: &str, at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO agor_roles (name, tier, capabilities, permissions, creates, defined_by,
             updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (name) DO UPDATE SET tier = excluded.tier,
             capabilities = excluded.capabilities, permissions = excluded.permissions,
             creates = excluded.creates, defined_by = excluded.defined_by,
             updated_at = excluded.updated_at",
        args![
            def.name.as_str(),
            def.tier,
            join(def.capabilities.iter().copied(), |c| c.as_str()),
            join(def.permissions.iter().copied(), |p| p.as_str()),
            def.creates.join(" "),
            by,
            at
        ],
    )?;
    Ok(())
}

/// The distinct (group, tier) pairs of the agents holding `role`, removed ones included (they
/// may be restored): what the rule on defining the role judges.
pub(crate) fn holders(tx: &dyn Tx, role: &str) -> Result<Vec<RoleHolder>> {
    tx.query_map(
        "SELECT DISTINCT coalesce(group_id, ''), coalesce(tier, ?2) FROM agents WHERE role = ?1",
        args![role, TIER_PROJECT],
        |r| {
            Ok(RoleHolder {
                group_id: lenient::text(r, 0)?,
                tier: lenient::opt_int(r, 1)?.unwrap_or(TIER_PROJECT),
            })
        },
    )
}
