"""Connection settings from Temporal's own conventions (``temporalio.envconfig``), as the TypeScript client reads
them: ``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``, ``TEMPORAL_API_KEY``, ``TEMPORAL_TLS*``, a ``temporal.toml``
profile (``TEMPORAL_PROFILE``, ``TEMPORAL_CONFIG_FILE``); explicit arguments win."""

from __future__ import annotations

import os
from typing import Any, Mapping, Optional, Union

from temporalio.envconfig import ClientConfigProfile
from temporalio.service import TLSConfig

from .errors import GuardError

DEFAULT_ADDRESS = "localhost:7233"
DEFAULT_NAMESPACE = "default"
DEFAULT_TASK_QUEUE = "durable-guard"


class ConfigError(GuardError):
    """A connection setting is wrong; the message names the variable."""

    code = "GUARD_CONFIG"


def connect_config(
    *,
    address: Optional[str] = None,
    namespace: Optional[str] = None,
    api_key: Optional[str] = None,
    tls: Union[bool, TLSConfig, None] = None,
    env: Optional[Mapping[str, str]] = None,
) -> dict[str, Any]:
    """The keyword arguments of ``temporalio.client.Client.connect``: the environment and profile, then overrides."""
    environ = dict(os.environ if env is None else env)
    config_file = environ.get("TEMPORAL_CONFIG_FILE")
    if config_file and not os.path.exists(config_file):
        raise ConfigError(f"TEMPORAL_CONFIG_FILE={config_file}: no such file")
    try:
        profile = ClientConfigProfile.load(override_env_vars=environ, config_source=config_file or None)
    except Exception as err:  # envconfig raises plain errors for a missing profile or bad TOML
        raise ConfigError(f"Temporal connection settings: {err}") from err
    config: dict[str, Any] = dict(profile.to_client_connect_config())
    config["target_host"] = address or config.get("target_host") or DEFAULT_ADDRESS
    config["namespace"] = namespace or config.get("namespace") or DEFAULT_NAMESPACE
    if api_key is not None:
        config["api_key"] = api_key
        config.setdefault("tls", True)
    if tls is not None:
        config["tls"] = tls
    if config.get("api_key") and config.get("tls") is False:
        raise ConfigError("TEMPORAL_API_KEY is set but TLS is off: an API key is only sent over TLS")
    return config


def task_queue_from_env(task_queue: Optional[str] = None) -> str:
    return task_queue or os.environ.get("DURABLE_GUARD_TASK_QUEUE") or DEFAULT_TASK_QUEUE
