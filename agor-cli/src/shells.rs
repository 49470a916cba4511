//! What a program writes for its installation (a shell's completion script, its man page),
//! as a command line asks for it: below the command table, which names it, and the
//! generators, which write it.

/// A shell a completion script is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// GNU bash (`complete -F`).
    Bash,
    /// zsh (`#compdef`).
    Zsh,
    /// fish (`complete -c`).
    Fish,
}

impl Shell {
    /// Every shell a script is written for.
    pub const ALL: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

    /// Its name, as `completions SHELL` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }

    /// The shell named `word`.
    pub fn parse(word: &str) -> Option<Shell> {
        Shell::ALL.into_iter().find(|s| s.name() == word)
    }
}

/// A generated file a command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generate {
    /// The completion script for a shell.
    Completions(Shell),
    /// The man page.
    Man,
}
