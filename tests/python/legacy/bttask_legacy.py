"""A stand-in for the legacy `bttask` script and the desktop kanban, for compatibility tests:
it reads and writes the shared `tasks` table the way those tools do, with the stdlib sqlite3
module, and knows only their five statuses (the kanban's columns).

Usage: bttask_legacy.py DB board            -> JSON {column: [task ids]} of the five columns
       bttask_legacy.py DB status ID STATE  -> sets the status (only the five are accepted)
"""

import json
import sqlite3
import sys

COLUMNS = ["todo", "progress", "review", "done", "blocked"]


def main() -> int:
    db, command, *args = sys.argv[1:]
    con = sqlite3.connect(db, isolation_level=None, timeout=10)
    if command == "board":
        board = {c: [] for c in COLUMNS}
        for task_id, status in con.execute("SELECT id, status FROM tasks ORDER BY sort_order"):
            if status in board:  # the desktop app shows exactly these columns
                board[status].append(task_id)
        print(json.dumps(board))
        return 0
    if command == "status":
        task_id, state = args
        if state not in COLUMNS:
            print(f"invalid status {state}", file=sys.stderr)
            return 1
        con.execute(
            "UPDATE tasks SET status = ?, updated_at = datetime('now'), version = version + 1 "
            "WHERE id = ?",
            (state, task_id),
        )
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
