"""Roles as data (SPEC §9) on both engines: the built-in rows, custom roles defined by the
operator or by holders of can_modify_roles (never above themselves), the permission function
reading a custom role's row, and the public checks."""

from __future__ import annotations

import pytest

import agor


def test_built_in_rows(store: agor.Store) -> None:
    rows = {r.name: r for r in store.roles()}
    assert list(rows)[:6] == ["admin", "manager", "architect", "tester", "reviewer", "project"]
    assert all(r.built_in for r in rows.values())
    mgr = rows["manager"]
    assert mgr.tier == 1 and "assign_work" in mgr.capabilities and mgr.creates == ["*"]
    assert "can_modify_roles" not in mgr.permissions
    assert rows["project"].capabilities == ["implement_tasks"]
    assert rows["project"].permissions == ["can_send_messages"]
    assert store.as_agent("dev-1").role("reviewer") == rows["reviewer"]
    with pytest.raises(agor.NotFoundError):
        store.role("scribe")


def test_public_checks(store: agor.Store) -> None:
    assert store.has_capability("dev-1", "implement_tasks")
    assert not store.has_capability("dev-1", "assign_work")
    assert store.check_permission("mgr-1", "can_create_agents")
    assert not store.check_permission("arch-1", "can_create_channels")
    assert store.can_create_role("manager", "project")
    assert not store.can_create_role("manager", "reviewer")  # not below its tier
    assert not store.can_create_role("project", "project")
    dev = store.as_agent("dev-1")
    assert dev.has_capability("rev-1", "review_work")
    with pytest.raises(agor.NotFoundError):  # another group's agent
        dev.check_permission("ops-1", "can_send_messages")
    with pytest.raises(agor.InvalidInputError, match="unknown capability 'fly'"):
        store.has_capability("dev-1", "fly")
    with pytest.raises(agor.InvalidInputError, match="unknown permission"):
        store.check_permission("dev-1", "can_fly")
    with pytest.raises(agor.NotFoundError):
        store.can_create_role("manager", "ghost")


def test_a_custom_role_is_judged_by_its_row(store: agor.Store) -> None:
    lead = store.define_role("lead", tier=1, capabilities=["assign_work"],
                             permissions=["can_send_messages", "can_create_agents"],
                             creates=["project"])
    assert (lead.name, lead.tier, lead.built_in) == ("lead", 1, False)
    store.register_agent("lead-1", "Lead", "lead", "core")
    assert store.get_agent("lead-1").tier == 1  # the role's tier
    me = store.as_agent("lead-1")
    t = me.create_task("Led work")  # assign_work: creates tasks
    me.register_agent("dev-9", "Nine", "project", "core")  # may create project agents
    with pytest.raises(agor.PermissionDeniedError):
        me.register_agent("arch-9", "Nine", "architect", "core")  # not in its creates
    with pytest.raises(agor.PermissionDeniedError):
        me.create_channel("lead-room")  # no can_create_channels
    # Redefining the role changes the rights at once.
    store.define_role("lead", tier=1, permissions=["can_send_messages"])
    with pytest.raises(agor.PermissionDeniedError):
        me.create_task("no longer")
    assert me.get_task(t.id).title == "Led work"
    # An undefined custom role still has a project agent's rights.
    store.register_agent("scribe-1", "Scribe", "scribe", "core")
    assert store.get_agent("scribe-1").tier == 2
    assert store.has_capability("scribe-1", "implement_tasks")


def test_who_may_define_roles(store: agor.Store) -> None:
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("mgr-1").define_role("helper")  # no can_modify_roles
    store.define_role("steward", tier=1, capabilities=["assign_work"],
                      permissions=["can_modify_roles", "can_send_messages"], creates=["*"])
    store.register_agent("stew-1", "Steward", "steward", "core")
    stew = store.as_agent("stew-1")
    helper = stew.define_role("helper", capabilities=["assign_work"], permissions=["can_send_messages"])
    assert helper.tier == 2
    with pytest.raises(agor.PermissionDeniedError, match="below its own tier"):
        stew.define_role("peer", tier=1)
    with pytest.raises(agor.PermissionDeniedError, match="can_delete_agents"):
        stew.define_role("wrecker", permissions=["can_delete_agents"])
    with pytest.raises(agor.PermissionDeniedError, match="implement_tasks"):
        stew.define_role("worker", capabilities=["implement_tasks"])
    with pytest.raises(agor.PermissionDeniedError):
        stew.define_role("steward", tier=2)  # its own role is not below it
    # The other group's manager cannot, either; built-in rows are fixed; bad input.
    with pytest.raises(agor.PermissionDeniedError):
        store.as_agent("ops-1").define_role("ops-helper")
    with pytest.raises(agor.InvalidInputError, match="built-in"):
        store.define_role("manager", tier=2)
    with pytest.raises(agor.InvalidInputError, match="unknown capability"):
        store.define_role("odd", capabilities=["fly"])
    with pytest.raises(agor.InvalidInputError, match="unknown role 'ghost'"):
        store.define_role("odd", creates=["ghost"])
    with pytest.raises(agor.InvalidInputError, match="tier"):
        store.define_role("odd", tier=5)
    assert "odd" not in [r.name for r in store.roles()]
