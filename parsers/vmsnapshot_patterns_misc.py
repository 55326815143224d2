"""VMSnapshot extension messages outside the run phases: settings, pre/post scripts, errors, chatter.

Same sources as :mod:`parsers.vmsnapshot_patterns` plus ``PluginHost.py``, ``ScriptRunner.py``,
``parameterparser.py``, ``HttpUtil.py``, ``blobwriter.py``, ``mounts.py``, ``Utils/*`` and the bundled
``WaagentLib.py`` logger.  Error catch-alls (disk full, OOM, import errors, tracebacks) come after
the specific patterns; the routine chatter pattern is anchored at the start of the message so an
unknown error that merely mentions a routine phrase is not hidden.
"""

from __future__ import annotations

import regex as _re

from analyzer.model import EventKind as K
from parsers.patterns import Pattern
from parsers.vmsnapshot_codes import MsgSample as S
from parsers.vmsnapshot_patterns import P

_SF = r"StatusCode\.(?P<code>\w+),"
_SCRIPT = r"^(?P<which>Pre|Post)script for (?P<plugin>.+?) "

PATTERNS: list[Pattern] = [
    # --- errors that say the most, whatever else the message says -------------------------------
    P("disk_full", K.DISK_FULL, ("No space left on device", "[Errno 28]"), errno=28),
    P("out_of_memory", K.OOM, ("MemoryError", "Cannot allocate memory", "[Errno 12]", "Out of memory"),
      r"MemoryError|Cannot allocate memory|\[Errno 12\]|Out of memory"),
    # --- settings, certificates, decryption -----------------------------------------------------
    P("cert_missing", K.CONFIG, "unable to load certificate", error="settings_unreadable", code="16",
      status="error"),
    P("decrypt_failed", K.CONFIG, ("Failed to decrypt protected settings", "JSON exception decoding decrypted "
      "protected settings", "SMIME decryption also failed", "SMIME decryption failed with exception",
      "OpenSSh decode error using"),
      error="decryption_failed"),
    P("decrypt_fallback", K.CONFIG, "CMS decryption failed", error="cms_failed"),
    P("settings_missing", K.CONFIG, ("Unable to locate ", "Unable to read ", "JSON exception decoding settings file",
      "JSON error processing "), r"^(?:Unable to (?:locate|read) \S*?(?:\.settings|HandlerEnvironment\.json)|"
      r"Unable to locate a \.settings file!|JSON e(?:xception decoding|rror processing) )",
      error="settings_missing"),
    P("events_folder_missing", K.CONFIG, "The eventsFolder field is missing", error="events_folder_missing"),
    P("logging_off", K.CONFIG, "logging via guest agent is turned off", event_logging=False),
    P("settings_dynamic", K.CONFIG, ("settings received ", "settings to be sent "),
      r"^settings (?:received|to be sent) "),
    P("settings_unexpected", K.CONFIG, ("is not an expected setting name", "dynamicConfigsFromCRP is not in expected"),
      error="unexpected_setting"),
    P("lun_list", K.CONFIG, ("LUN list - ", "InstantAccessDurationMinutes = "),
      r"^(?:LUN list - |InstantAccessDurationMinutes = )"),
    P("custom_settings", K.CONFIG, ("customSettings : ", "CustomSettings is null in extension input."),
      r"^(?:customSettings : |CustomSettings is null)"),
    P("snapshot_method", K.CONFIG, "snapshotMethodConfigValue : ",
      r"snapshotMethodConfigValue : (?P<snapshot_method>\S+)"),
    P("snapshot_method_forced", K.CONFIG, "Setting the snapshot mode to ", r"mode to (?P<snapshot_method>\w+)"),
    P("snapshot_method_default", K.CONFIG, "Snapshot method did not match any listed type",
      snapshot_method="firstHostThenGuest"),
    P("lun_list_invalid", K.CONFIG, ("the included LUN list is empty in the extension input",
      "Invalid Input. IsAnyDiskExcluded is marked as true"), code="17", status="error", error="lun_list_empty"),
    P("crash_consistent", K.CONFIG, "canTakeCrashConsistentSnapshot=",
      r"takeCrashConsistentSnapshot=(?P<crash_consistent>\w+)$"),
    P("thread_timeout", K.CONFIG, "final thread timeout", r"final thread timeout\s*(?P<timeout_s>\d+)"),
    P("config_unreadable", K.CONFIG, "cannot read config file or file not present", error="vmbackup_conf_unreadable"),
    P("config_set", K.CONFIG, "in config file to ", r"^setting (?P<key>\S+?)in config file to (?P<value>.*)$"),
    P("config_set_failed", K.CONFIG, "Unable to set config file.", error="vmbackup_conf_write_failed"),
    P("config_value_bad", K.CONFIG, "Not able to parse the read value as", error="vmbackup_conf_value"),
    P("seqsnapshot_flag", K.CONFIG, "seqsnapshot flag set as :", r"as :(?P<seqsnapshot>\S+)"),
    P("monitor", K.CONFIG, "[spawn_monitor] -> ", r"\[spawn_monitor\] -> (?P<monitor>.*)$"),
    P("workload_enabled", K.CONFIG, "workload backup enabled for workload: ", r"workload: (?P<workload>\S+)"),
    # --- pre/post scripts and workload plugins --------------------------------------------------
    P("pluginhost_conf_missing", K.CONFIG, "Plugin host Config file does not exist in the location ", code="313"),
    P("pluginhost_conf_perm", K.CONFIG, "Plugin host Config file does not have desired permissions", code="314",
      status="error"),
    P("pluginhost_conf_owner", K.CONFIG, "The owner of the Plugin host Config file", code="315", status="error"),
    P("plugin_conf_missing", K.CONFIG, "Plugin host file does not exist in the location ", code="316"),
    P("plugin_conf_perm", K.CONFIG, "Plugin Config file does not have desired permissions", code="317",
      status="error"),
    P("plugin_conf_owner", K.CONFIG, "The owner of the Plugin Config file", code="318", status="error"),
    P("pluginhost_conf_parse", K.CONFIG, "Error in reading PluginHost config file", code="304", status="error"),
    P("plugin_conf_parse", K.CONFIG, ("Cant run prescript for", "Error in opening ", "Error in decoding ",
      "Error in fetching value for the key"), r"^(?:Cant run prescript for|Error in (?:opening|decoding|fetching "
      r"value for the key).*config file)", code="305", status="error"),
    P("prescript_missing", K.CONFIG, "Prescript file does not exist in the location", code="302", status="error"),
    P("postscript_missing", K.CONFIG, "Postscript file does not exist in the location", code="303", status="error"),
    P("prescript_perm", K.CONFIG, ("Prescript file does not have desired permissions",
      "The owner of the PreScript file"), code="306", status="error"),
    P("postscript_perm", K.CONFIG, ("Postscript file does not have desired permissions",
      "The owner of the PostScript file"), code="307", status="error"),
    P("fs_consistent_fallback", K.CONFIG, "Triggering File System Consistent Backup because of error code", _SF,
      consistency="filesystem"),
    P("app_consistent_enabled", K.CONFIG, "App Consistent Consistent Backup Enabled", consistency="application"),
    P("plugin_validate", K.CONFIG, "Validate Scripts output: errorCode - ",
      r"errorCode - (?P<code>\d+) dobackup - (?P<continue_backup>\w+)"),
    P("script_start", K.EXT_COMMAND_RESULT, ("Running prescript for ", "Running postscript for "),
      r"^Running (?P<which>pre|post)script for (?P<plugin>.+?) module", phase="start"),
    P("script_timeout", K.EXT_COMMAND_RESULT, ("Prescript for ", "Postscript for "), _SCRIPT + r"timed out\.",
      phase="result", status="error", timeout=True),
    P("script_failed", K.EXT_COMMAND_RESULT, ("Prescript for ", "Postscript for "),
      _SCRIPT + r"failed with error code: (?P<exit_code>-?\d+)", phase="result", status="error"),
    P("script_retry", K.EXT_COMMAND_RESULT, ("Prescript for ", "Postscript for "), _SCRIPT + r"failed\. Retrying",
      phase="retry", status="error"),
    P("script_ok", K.EXT_COMMAND_RESULT, ("Prescript for ", "Postscript for "), _SCRIPT + r"successfully executed",
      phase="result", status="success", exit_code=0),
    P("plugin_finished", K.EXT_COMMAND_RESULT, ("Finished prescript execution from PluginHost side",
      "Finished postscript execution from PluginHost side"),
      r"Finished (?P<which>pre|post)script execution.*Continue Backup: (?P<continue_backup>\w+)", phase="end"),
    P("plugin_failed_summary", K.EXT_COMMAND_RESULT, ("Plugin Host Precheck Failed", "PreScript failed for the plugin",
      "PostScript failed for the plugin"), _SF, phase="summary", status="error"),
    P("workload_failed", K.EXT_COMMAND_RESULT, "Workload Patch failed with ", _SF, operation="workload",
      phase="result", status="error"),
    # --- HTTP from the extension ----------------------------------------------------------------
    P("http_exception", K.HTTP_ERROR, "Failed to call http with error:", error="exception"),
    P("http_no_response", K.HTTP_ERROR, "Http connection response is None", error="no_response"),
    P("http_curl", K.HTTP_ERROR, ("curl error is: ", "curl return code is : "), error="curl"),
    P("http_result", K.HTTP_ERROR, "HttpUtil Call : result: ", r"result: (?P<result>\d+), errorMsg: (?P<detail>.*)$"),
    # --- Python failures ------------------------------------------------------------------------
    P("import_error", K.PYTHON, ("ImportError", "ModuleNotFoundError", "No module named"),
      r"(?:(?P<exception>ModuleNotFoundError|ImportError)\b|No module named)", error="import"),
    P("agent_api_mismatch", K.PYTHON, "Failed to construct ConfigurationProvider", error="agent_api_mismatch"),
    P("enable_exception", K.PYTHON, ("Failed to enable the extension with error:", "Failed to call the daemon with "
      "error:", "Enable failed with exception in safe freeze or snapshot", "Unable to parse context, error:",
      "Failed to validate sequence number with error:"), status="error", error="exception"),
    P("waagent_lib_error", K.PYTHON, ("CalledProcessError.", "Exception is "),
      r"^(?:CalledProcessError\.  (?:Error Code is (?P<exit_code>-?\d+)|Command)|(?:Reading from|Writing to) file .* "
      r"Exception is )", error="waagent_lib"),
    P("hutil_log_error", K.PYTHON, "Exception in hutil.log", error="logging"),
    P("traceback", K.PYTHON, ("Traceback (most recent call last)", ", stack trace: "), error="exception"),
    # --- constants and chatter ------------------------------------------------------------------
    # The bundled WaagentLib.py constant, prepended to every log upload: never the agent version.
    P("bundled_agent_constant", K.ROUTINE, "Guest Agent Version is :", bundled_constant=True),
]

# Start-of-message phrases of routine chatter (verbatim prefixes from the extension source).
ROUTINE_PREFIXES: tuple[str, ...] = (
    "Distro Info:", "patch_class_name: ", "Change log file to ", "setting file path is", "current seq no is ",
    "waagent new path is used", "waagent old path is used", "maybe no new settings file found",
    "Config decoded correctly.", "Attempting decryption using OpenSSL", "Successfully decrypted protected settings",
    "removing the protected settings", "Sleeping for milliseconds: ", "TaskId AlreadyProcessed nothing to do",
    "try_parse_context : Sequence Number received", "cwd is ", "starting daemon for freezing the file system",
    "platformMachine : ", "isArm64Machine : ", "Checking for the safefreeze binary", "path of the file",
    "file path exists True", "safeFreezeBinary exists True", "mounts list item added", "lsblk mount point ",
    "added_mount_point_names :", "######## mounts list item Skipped", "######## UniqueName not found",
    "fstype empty from lsblk", "mount command, adding mount", "####### mount command, not adding duplicate",
    "configfile ", "Unique Machine Id  : ", "partition count : ", "Assertion Check, total size",
    "df command executed", "df return code ", "output of df : ", "outside loop device", "Total Used Space",
    "snapshotTaskToken : ", "FreezeSnapshotter : takeCrashConsistentSnapshot", "hostIp : ",
    "[FreezeSnapshotter] isManaged flag : ", "WA Disk Lun List ", "Headers : ", "Host Request body : ",
    "Entered HttpCallGetResponse", "Details of sas uri object", "resp-header: ", "resp status: ", "responseBody: ",
    "PreSnapshotResponse: ", "Date and time extracted from pre-snapshot request", "utcTicks in long format",
    "Fetching disk details as the VM is ADE enabled", "Thread for binary is called", "Waited in thread for ",
    "Binary subprocess Created", "inside while with sig_handle ", "some child process terminated",
    "child still running sigusr1 sent", "sleep for 1 second", "updating snapshot info array from blob snapshot info",
    "blobUri : ", "Unable to find end index of blobUri", "DDSnapshotIdentifier Information to CRP",
    "No DD Snapshot Identifier Found", "ddSnapshotIdentifier", "creationTime string from BHS",
    "Converting the creationTime string", "Calculating total seconds manually", "Creating HttpUtil",
    "Returning HttpUtil", "commandToExecute after commiting the blob is", "the logs blob uri is not there",
    "file status report message:", "blob status report message:", "trans status report message:",
    "Loading script modules now...", "exiting with commit", "Reading customSettings from ", "config file: ",
    "timeoutInSeconds: ", "numberOfPlugins: ", "Name of the Plugin is ", "Plugin config path is ",
    "Permissions of the file ", "Plugin:", "Starting postscript for all modules.", "skip pre and post",
    "file system consistent backup only", "install succeed.", "Install Succeeded", "retry times is ",
    "WritePageBlob: ", "ClearPageBlob: ", "GetBlobType: ", "{'Content-Length'", "{'x-ms-",
    "appending disk_encryption_details", "Not passing the TTL header", "before start of multiprocessing queues",
    "end of snapshot process", "exceptOccurred : ", "Setting to sequential snapshot", "the blobs are None",
    "mp queue creation took more than 10 secs", "In device_list_for_billing", "Initial billing items",
    "sudo flag is ", "root_devices ", "lsscsi_list ", "lsblk o/p ", "lvm ", "devices_to_bill: ",
    "The mountpoints of devices to bill: ", "exiting device_list_for_billing", "resource_disk_device: ",
    "ResourceDisk is excluded in billing", "index :", "Disks to be included ", "LUN Number ", "file_systems list :",
    "executing command  ", "isAnyDiskExcluded ", "includedLunList ", "isOnlyOSDiskBackupEnabled",
    "As the LunList is empty including all disks", "The pvs_dict contains", "the lvm list to bill are",
    "Not adding device ", "Searching gen1 prefix", "Found device: ", "Resource disk ", "get_device_items",
    "get_lsblk_pairs_output", "getting the blk info", "getting the which info", "which command result",
    "getting the mount info", "getting the mount-points info", "lsblk MOUNTPOINT=", "model is virtual disk",
    "partition files exists", "print line by line :", "Information: EventLogging severity level",
    "Event directory has space", "Logging level setting file is not present.", "previous status and path: ",
    "transitioning found in the previous status file", "workload running found with name", "total time taken..",
    "skipping the mount point because we already freezed it", "skip for the unknown file systems",
    "the item is already unfreezed", "skip for the type ", "start_daemon with args: ",
    "============== Binary output traces ", "Scheduled Events endpoint IP address:", "Sending dhcp request",
    "Parsing Dhcp response", "process exists. killing", "Do sequential snapshoting",
    "Device name : ", "Adding Device name : ", "Not Adding ", "Total used space in Bytes",
    "Unable to fetch total used space",
    "safe freeze wait time in seconds : ", "process killed",
)
ROUTINE = Pattern(
    "routine_chatter",
    K.ROUTINE,
    tuple(p.strip() for p in ROUTINE_PREFIXES),
    # messages are matched stripped, so a prefix's trailing blank must not be required
    regex="^(?:" + "|".join(_re.escape(p.rstrip()) for p in ROUTINE_PREFIXES) + ")",
)

SAMPLES: list[S] = [
    S("disk_full", "Writing to file mrseq Exception is [Errno 28] No space left on device", K.DISK_FULL,
      {"errno": 28}),
    S("out_of_memory", "Failed to enable the extension with error: , stack trace: Traceback (most recent call last):"
      "\nMemoryError", K.OOM, {"exception": "MemoryError"}),
    S("cert_missing", "unable to load certificate", K.CONFIG, {"code": "16"}),
    S("decrypt_failed", "Failed to decrypt protected settings using both CMS and SMIME commands", K.CONFIG,
      {"error": "decryption_failed"}),
    S("decrypt_fallback", "CMS decryption failed with return code: 4, attempting fallback to SMIME", K.CONFIG,
      {"error": "cms_failed"}),
    S("settings_missing", "Unable to locate a .settings file!", K.CONFIG, {"error": "settings_missing"}),
    S("events_folder_missing", "The eventsFolder field is missing in handlerEnvironment.json file. Hence skipping "
      "event logging!", K.CONFIG, {"error": "events_folder_missing"}),
    S("logging_off", "logging via guest agent is turned off", K.CONFIG, {"event_logging": False}),
    S("settings_dynamic", "settings to be sent {'isSnapshotTtlEnabled': False, 'EnableVMSnapshotExtensionPolling': "
      "False}", K.CONFIG),
    S("settings_unexpected", "The received dynamicConfigsFromCRP is not in expected format.", K.CONFIG,
      {"error": "unexpected_setting"}),
    S("lun_list", "LUN list - [-1, 0, 1]", K.CONFIG),
    S("custom_settings", "customSettings : {\"takeSnapshotFrom\":\"firstHostThenGuest\",\"isManagedVm\":true}",
      K.CONFIG),
    S("snapshot_method", "snapshotMethodConfigValue : firstHostThenGuest", K.CONFIG,
      {"snapshot_method": "firstHostThenGuest"}),
    S("snapshot_method_forced", "WA disk is included. Setting the snapshot mode to onlyHost.", K.CONFIG,
      {"snapshot_method": "onlyHost"}),
    S("snapshot_method_default", "Snapshot method did not match any listed type, taking  firstHostThenGuest as "
      "default", K.CONFIG, {"snapshot_method": "firstHostThenGuest"}),
    S("lun_list_invalid", "Invalid Input. IsAnyDiskExcluded is marked as true but input LUN list received from CRP "
      "is empty. which is not allowed if VM has Direct Drives", K.CONFIG, {"code": "17"}),
    S("crash_consistent", "isManagedVm=True, canTakeCrashConsistentSnapshot=False, backupRetryCount=0, "
      "numberOfDisks=2, takeCrashConsistentSnapshot=False", K.CONFIG, {"crash_consistent": False}),
    S("thread_timeout", "final thread timeout60", K.CONFIG, {"timeout_s": 60}),
    S("config_unreadable", "cannot read config file or file not present", K.CONFIG,
      {"error": "vmbackup_conf_unreadable"}),
    S("config_set", "setting seqsnapshotin config file to 1", K.CONFIG, {"key": "seqsnapshot", "value": "1"}),
    S("config_set_failed", " Unable to set config file.key is seqsnapshotwith error: [Errno 30] Read-only file "
      "system: '/etc/azure/vmbackup.conf', stack trace: NoneType: None", K.CONFIG, {"errno": 30}),
    S("config_value_bad", "Not able to parse the read value as int, falling back to default value", K.CONFIG),
    S("seqsnapshot_flag", "seqsnapshot flag set as :0", K.CONFIG, {"seqsnapshot": "0"}),
    S("monitor", "[spawn_monitor] -> monitoring started", K.CONFIG, {"monitor": "monitoring started"}),
    S("workload_enabled", "workload backup enabled for workload: mysql", K.CONFIG, {"workload": "mysql"}),
    S("pluginhost_conf_missing", "Plugin host Config file does not exist in the location /etc/azure/"
      "VMSnapshotPluginHost.conf", K.CONFIG, {"code": "313"}),
    S("pluginhost_conf_perm", "Plugin host Config file does not have desired permissions", K.CONFIG, {"code": "314"}),
    S("pluginhost_conf_owner", "The owner of the Plugin host Config file /etc/azure/VMSnapshotPluginHost.conf is "
      "azureuser but not root", K.CONFIG, {"code": "315"}),
    S("plugin_conf_missing", "Plugin host file does not exist in the location /etc/azure/"
      "VMSnapshotScriptPluginConfig.json", K.CONFIG, {"code": "316"}),
    S("plugin_conf_perm", "Plugin Config file does not have desired permissions", K.CONFIG, {"code": "317"}),
    S("plugin_conf_owner", "The owner of the Plugin Config file /etc/azure/VMSnapshotScriptPluginConfig.json is "
      "azureuser but not root", K.CONFIG, {"code": "318"}),
    S("pluginhost_conf_parse", "Error in reading PluginHost config file : Source contains parsing errors, stack "
      "trace: NoneType: None", K.CONFIG, {"code": "304"}),
    S("plugin_conf_parse", "Cant run prescript for ScriptRunner . Config File error.", K.CONFIG, {"code": "305"}),
    S("prescript_missing", "Prescript file does not exist in the location /etc/azure/prescript.sh", K.CONFIG,
      {"code": "302"}),
    S("postscript_missing", "Postscript file does not exist in the location /etc/azure/postscript.sh", K.CONFIG,
      {"code": "303"}),
    S("prescript_perm", "Prescript file does not have desired permissions ", K.CONFIG, {"code": "306"}),
    S("postscript_perm", "The owner of the PostScript file /etc/azure/postscript.sh is oracle but  not root",
      K.CONFIG, {"code": "307"}),
    S("fs_consistent_fallback", "Triggering File System Consistent Backup because of error code StatusCode."
      "FailedPrepostPluginConfigNotFound,", K.CONFIG, {"code": "316"}),
    S("app_consistent_enabled", "App Consistent Consistent Backup Enabled", K.CONFIG, {"consistency": "application"}),
    S("plugin_validate", "Validate Scripts output: errorCode - 0 dobackup - True fsFreeze_on - True pollTime - 3",
      K.CONFIG, {"code": "0", "continue_backup": True}),
    S("script_start", "Running prescript for ScriptRunner module...", K.EXT_COMMAND_RESULT,
      {"operation": "prescript", "plugin": "ScriptRunner", "phase": "start"}),
    S("script_timeout", "Prescript for ScriptRunner timed out.", K.EXT_COMMAND_RESULT,
      {"operation": "prescript", "code": "308", "timeout": True}),
    S("script_failed", "Postscript for ScriptRunner failed with error code: 1 .", K.EXT_COMMAND_RESULT,
      {"operation": "postscript", "exit_code": 1, "code": "301"}),
    S("script_retry", "Prescript for ScriptRunner failed. Retrying...", K.EXT_COMMAND_RESULT, {"phase": "retry"}),
    S("script_ok", "Prescript for ScriptRunner successfully executed.", K.EXT_COMMAND_RESULT,
      {"operation": "prescript", "exit_code": 0}),
    S("plugin_finished", "Finished prescript execution from PluginHost side. Continue Backup: True",
      K.EXT_COMMAND_RESULT, {"operation": "prescript", "continue_backup": True}),
    S("plugin_failed_summary", "PreScript failed for the plugin ScriptRunner StatusCode.FailedPrepostPreScriptFailed,",
      K.EXT_COMMAND_RESULT, {"code": "300"}),
    S("workload_failed", "Workload Patch failed with error message: ORA-01034 StatusCode.FailedWorkloadPreError,",
      K.EXT_COMMAND_RESULT, {"code": "500", "operation": "workload"}),
    S("http_exception", "2024-01-14 22:16:48.900000 Failed to call http with error: timed out, stack trace: Traceback "
      "(most recent call last):\nsocket.timeout: timed out", K.HTTP_ERROR, {"exception": "socket.timeout"}),
    S("http_no_response", "Http connection response is None", K.HTTP_ERROR, {"error": "no_response"}),
    S("http_curl", "curl error is: curl: (7) Failed to connect", K.HTTP_ERROR, {"error": "curl"}),
    S("http_result", "HttpUtil Call : result: 15, errorMsg: timed out", K.HTTP_ERROR, {"result": "15"}),
    S("import_error", "Failed to construct ConfigurationProvider, which may be due to the old code with error: No "
      "module named 'imp', stack trace: Traceback (most recent call last):\nModuleNotFoundError: No module named 'imp'",
      K.PYTHON, {"exception": "ModuleNotFoundError", "module": "imp"}),
    S("agent_api_mismatch", "Failed to construct ConfigurationProvider, which may be due to the old code with error: "
      "__init__() takes 2 positional arguments but 3 were given, stack trace: Traceback (most recent call last):\n"
      "TypeError: __init__() takes 2 positional arguments but 3 were given", K.PYTHON, {"exception": "TypeError"}),
    S("enable_exception", "Failed to enable the extension with error: 'NoneType' object has no attribute 'lower', "
      "stack trace: Traceback (most recent call last):\n  File \"/var/lib/waagent/Microsoft.Azure.RecoveryServices."
      "VMSnapshotLinux-1.0.9225.0/main/handle.py\", line 416, in daemon\n    if(CommonVariables.iaas_install_command "
      "in commandToExecute.lower()):\nAttributeError: 'NoneType' object has no attribute 'lower'", K.PYTHON,
      {"exception": "AttributeError"}),
    S("waagent_lib_error", "CalledProcessError.  Error Code is 1", K.PYTHON, {"exit_code": 1}),
    S("hutil_log_error", "'ascii' codec can't encode characterException in hutil.log", K.PYTHON),
    S("traceback", "Failed to retrieve the wala version with error: [Errno 2] No such file or directory: "
      "'/usr/sbin/waagent', stack trace: Traceback (most recent call last):\nFileNotFoundError: [Errno 2] No such file "
      "or directory: '/usr/sbin/waagent'", K.PYTHON, {"exception": "FileNotFoundError", "errno": 2}),
    S("bundled_agent_constant", "Guest Agent Version is :WALinuxAgent-2.0.16", K.ROUTINE, {"bundled_constant": True}),
    S("routine_chatter", "patch_class_name: UbuntuPatching and orig_distro: Ubuntu", K.ROUTINE),
    S("routine_chatter", "Sleeping for milliseconds: 2716", K.ROUTINE),
    S("routine_chatter", "file status report message:", K.ROUTINE),
]
