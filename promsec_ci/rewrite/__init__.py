"""The explicit operator registry. Adding an operator: one module under ``rewrite/`` holding one
module-level instance, and one entry in ``ALL_OPERATORS`` below."""

from __future__ import annotations

from collections.abc import Iterable

from promsec_ci.rewrite.base import Operator, OperatorMeta, ReviewGuidance, Rewrite
from promsec_ci.rewrite.bind_localhost import BindLocalhost
from promsec_ci.rewrite.chmod_restrict import ChmodRestrict
from promsec_ci.rewrite.eval_literal_eval import EvalLiteralEval
from promsec_ci.rewrite.eval_safe_arithmetic import EvalSafeArithmetic
from promsec_ci.rewrite.exec_to_getattr import ExecToGetattr
from promsec_ci.rewrite.flask_debug_off import FlaskDebugOff
from promsec_ci.rewrite.ftp_tls import FtpTls
from promsec_ci.rewrite.getoutput_to_run import GetoutputToRun
from promsec_ci.rewrite.hash_not_for_security import HashNotForSecurity
from promsec_ci.rewrite.hash_sha256 import HashSha256
from promsec_ci.rewrite.jinja2_autoescape import Jinja2Autoescape
from promsec_ci.rewrite.mktemp_to_mkstemp import MktempToMkstemp
from promsec_ci.rewrite.os_popen_to_run import OsPopenToRun
from promsec_ci.rewrite.os_system_to_run import OsSystemToRun
from promsec_ci.rewrite.paramiko_reject_policy import ParamikoRejectPolicy
from promsec_ci.rewrite.pickle_to_json import PickleToJson
from promsec_ci.rewrite.random_to_secrets import RandomToSecrets
from promsec_ci.rewrite.requests_timeout import RequestsTimeout
from promsec_ci.rewrite.requests_verify_on import RequestsVerifyOn
from promsec_ci.rewrite.secret_from_env import SecretFromEnv
from promsec_ci.rewrite.sql_parameterize import SqlParameterize
from promsec_ci.rewrite.ssl_default_context import SslDefaultContext
from promsec_ci.rewrite.ssl_tls_version import SslTlsVersion
from promsec_ci.rewrite.subprocess_shell_false import SubprocessShellFalse
from promsec_ci.rewrite.subprocess_shell_literal import SubprocessShellLiteral
from promsec_ci.rewrite.tarfile_data_filter import TarfileDataFilter
from promsec_ci.rewrite.tmp_path_to_tempfile import TmpPathToTempfile
from promsec_ci.rewrite.torch_load_weights_only import TorchLoadWeightsOnly
from promsec_ci.rewrite.weak_key_size import WeakKeySize
from promsec_ci.rewrite.xml_defusedxml import XmlDefusedxml
from promsec_ci.rewrite.yaml_safe_load import YamlSafeLoad

ALL_OPERATORS: list[Operator] = [
    BindLocalhost,
    ChmodRestrict,
    EvalLiteralEval,
    EvalSafeArithmetic,
    ExecToGetattr,
    FlaskDebugOff,
    FtpTls,
    GetoutputToRun,
    HashNotForSecurity,
    HashSha256,
    Jinja2Autoescape,
    MktempToMkstemp,
    OsPopenToRun,
    OsSystemToRun,
    ParamikoRejectPolicy,
    PickleToJson,
    RandomToSecrets,
    RequestsTimeout,
    RequestsVerifyOn,
    SecretFromEnv,
    SqlParameterize,
    SslDefaultContext,
    SslTlsVersion,
    SubprocessShellFalse,
    SubprocessShellLiteral,
    TarfileDataFilter,
    TmpPathToTempfile,
    TorchLoadWeightsOnly,
    WeakKeySize,
    XmlDefusedxml,
    YamlSafeLoad,
]


class OperatorRegistry:
    def __init__(self, operators: Iterable[Operator] = ()) -> None:
        self._by_name: dict[str, Operator] = {}
        self._by_rule: dict[str, list[Operator]] = {}
        for operator in operators:
            self.add(operator)

    def add(self, operator: Operator) -> None:
        name = operator.meta.name
        if name in self._by_name:
            raise ValueError(f"duplicate operator id {operator.meta.id}")
        self._by_name[name] = operator
        for rule_id in operator.meta.rule_ids:
            self._by_rule.setdefault(rule_id, []).append(operator)

    def replaced(self, operator: Operator) -> OperatorRegistry:
        """A copy of this registry with ``operator`` standing in for the one of the same name."""
        name = operator.meta.name
        if name not in self._by_name:
            raise KeyError(f"no operator {operator.meta.id} to replace")
        return OperatorRegistry(operator if op.meta.name == name else op for op in self)

    def get(self, name: str) -> Operator:
        return self._by_name[name]

    def by_rule_id(self, rule_id: str) -> list[Operator]:
        return list(self._by_rule.get(rule_id, []))

    def __iter__(self):
        return iter(self._by_name.values())

    def __len__(self) -> int:
        return len(self._by_name)


REGISTRY = OperatorRegistry(ALL_OPERATORS)

__all__ = ["ALL_OPERATORS", "REGISTRY", "Operator", "OperatorMeta", "OperatorRegistry", "ReviewGuidance", "Rewrite"]
