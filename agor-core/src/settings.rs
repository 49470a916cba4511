//! The store's settings (SPEC §14): read by the claim path where a rule needs one, listed and
//! set by the operator only (agents are refused: a setting governs the whole team).

use crate::audit;
use crate::error::Result;
use crate::model::settings::{key, Setting, KEYS};
use crate::rules;
use crate::storage::sql::settings as sql;
use crate::storage::Tx;
use crate::Store;

/// A numeric setting's value now (its default unless set).
pub(crate) fn count(c: &dyn Tx, name: &str) -> Result<i64> {
    let k = key(name)?;
    Ok(k.count(sql::get(c, name)?.as_deref()))
}

/// A true/false setting's value now (its default unless set).
pub(crate) fn flag(c: &dyn Tx, name: &str) -> Result<bool> {
    let k = key(name)?;
    Ok(k.flag(sql::get(c, name)?.as_deref()))
}

fn listed(stored: &[(String, String)]) -> Vec<Setting> {
    KEYS.iter()
        .map(|k| {
            let set = stored.iter().find(|(name, _)| name == k.name);
            Setting {
                key: k.name.to_owned(),
                value: set
                    .and_then(|(_, v)| k.normalise(v).ok())
                    .unwrap_or_else(|| k.default.to_owned()),
                default: k.default.to_owned(),
                set: set.is_some(),
                description: k.description.to_owned(),
            }
        })
        .collect()
}

impl Store {
    /// Every setting with its value now, its default and what it governs.
    pub fn settings(&self) -> Result<Vec<Setting>> {
        Ok(listed(&self.read(sql::all)?))
    }

    /// Sets one setting for every process on this database; an unknown key or a value it
    /// cannot take is `InvalidInput` saying what is allowed. Returns the setting as it now is.
    pub fn set_setting(&self, name: &str, value: &str) -> Result<Setting> {
        let k = key(name)?;
        let value = k.normalise(value)?;
        self.write(|c| {
            sql::set(c, k.name, &value, &c.now().sql())?;
            audit::record(
                c,
                rules::OPERATOR,
                "setting_changed",
                &format!("{}={value}", k.name),
            )?;
            let stored = sql::all(c)?;
            Ok(listed(&stored)
                .into_iter()
                .find(|s| s.key == k.name)
                .expect("a known key is listed"))
        })
    }
}
