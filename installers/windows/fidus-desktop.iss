; Inno Setup script for FIDUS Desktop: a per-user install (no administrator rights needed).
; Build on Windows after `uv run pyinstaller build.spec --noconfirm` (see README.md beside this file):
;   iscc /DAppVersion=<version from `uv run fidus version`> installers\windows\fidus-desktop.iss
; Uninstalling removes the program folder only: databases, settings, logs and backups live in the
; per-user data folders (%LOCALAPPDATA%\FIDUS\FIDUS Desktop …) and are kept.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=0.1.0 fidus-desktop.iss
#endif

[Setup]
AppId={{6E1C6F0B-6C3B-4C52-9A8B-3C1B7E5A2F10}
AppName=FIDUS Desktop
AppVersion={#AppVersion}
AppPublisher=FIDUS
VersionInfoVersion={#AppVersion}
VersionInfoProductVersion={#AppVersion}
DefaultDirName={localappdata}\Programs\FIDUS Desktop
DefaultGroupName=FIDUS Desktop
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
DisableProgramGroupPage=yes
OutputDir=..\..\dist\installer
OutputBaseFilename=FIDUS-Desktop-{#AppVersion}-setup
Compression=lzma2
SolidCompression=yes
WizardStyle=modern
ArchitecturesInstallIn64BitMode=x64compatible
UninstallDisplayName=FIDUS Desktop {#AppVersion}

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop shortcut"; GroupDescription: "Shortcuts:"

[Files]
Source: "..\..\dist\fidus-desktop\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\FIDUS Desktop"; Filename: "{app}\fidus-desktop.exe"
Name: "{group}\FIDUS Desktop (demo)"; Filename: "{app}\fidus-desktop.exe"; Parameters: "--demo"
Name: "{group}\Uninstall FIDUS Desktop"; Filename: "{uninstallexe}"
Name: "{userdesktop}\FIDUS Desktop"; Filename: "{app}\fidus-desktop.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\fidus-desktop.exe"; Description: "Start FIDUS Desktop"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; Only what the program itself created inside {app}; user data elsewhere is deliberately kept.
Type: filesandordirs; Name: "{app}\__pycache__"
