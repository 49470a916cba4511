//! How far a read sees: the one scope that the board, lanes, change feed, waits, search, usage
//! and audit reads share — an agent's (its group; tier 0 every group) or the operator's (every
//! group) — narrowed to one group when the reader names it. A sight is made only through the
//! permission function, so a group beyond an agent's reach is refused there, in one place.

use crate::error::Result;
use crate::rules::{self, Action, AgentIdentity, Principal, Target, OPERATOR};
use crate::storage::sql::changes::Viewer;

/// What one read may see.
#[derive(Debug, Clone)]
pub(crate) struct Sight {
    /// The reader: an agent's id, or `operator`.
    pub reader: String,
    /// The one group it sees (`None`: every group).
    pub group: Option<String>,
    /// Everything of `group` (or of every group): the operator and tier 0. Otherwise an
    /// agent's share of its own group: its DMs, its channels, its group's board and team.
    pub whole: bool,
    /// For an agent's share: it reads every channel of its group (managers).
    pub group_channels: bool,
}

fn target(group: Option<&str>) -> Target<'_> {
    group.map_or(Target::None, Target::InGroup)
}

impl Sight {
    /// The sight of `who` for `action`: the operator's or an agent's (see below).
    pub fn of(who: Principal<'_>, action: Action, group: Option<&str>) -> Result<Sight> {
        match who {
            Principal::Operator => Sight::operator(action, group),
            Principal::Agent(me) => Sight::agent(me, action, group),
        }
    }

    /// The operator's sight for `action`: every group, or the one it names.
    pub fn operator(action: Action, group: Option<&str>) -> Result<Sight> {
        rules::decide(Principal::Operator, action, target(group))?;
        Ok(Sight {
            reader: OPERATOR.to_owned(),
            group: group.map(str::to_owned),
            whole: true,
            group_channels: true,
        })
    }

    /// An agent's sight for `action`: its group (tier 0: every group), or the group it names
    /// if it may see that one.
    pub fn agent(me: &AgentIdentity, action: Action, group: Option<&str>) -> Result<Sight> {
        let check = |action, target| rules::decide(Principal::Agent(me), action, target);
        check(action, target(group))?;
        if me.is_admin() {
            return Ok(Sight {
                reader: me.id.clone(),
                group: group.map(str::to_owned),
                whole: true,
                group_channels: true,
            });
        }
        let all_channels = Target::Channel {
            group: &me.group_id,
            member: false,
        };
        Ok(Sight {
            reader: me.id.clone(),
            group: Some(me.group_id.clone()),
            whole: false,
            group_channels: check(Action::ReadChannel, all_channels).is_ok(),
        })
    }

    /// The group filter of a table with a group column (`None`: every group).
    pub fn group(&self) -> Option<&str> {
        self.group.as_deref()
    }

    /// The change feed's and the search's view of this sight.
    pub fn viewer(&self) -> Viewer<'_> {
        Viewer {
            everything: self.whole && self.group.is_none(),
            agent: &self.reader,
            group: self.group.as_deref().unwrap_or_default(),
            group_channels: self.group_channels,
            whole_group: self.whole && self.group.is_some(),
        }
    }
}
