"""Reference models: classic (weakly typed) and strongly-typed recurrent networks side by side.

Every model is time-major (inputs (T, B, d_in)), has a zero-argument constructor,
``example_inputs()``, ``expected_strongly_typed`` and ``forward(xs, state=None) ->
(outputs, state)``. ``MODELS`` maps the CLI names to the classes. Importing this
package needs only torch (no checker, no libcst).
"""

from __future__ import annotations

from .act import TACTRNN, ACTElman
from .gru import GRU, TGRU
from .hmrnn import HMLSTM, THMRNN
from .lstm import LSTM, TLSTM, TorchLSTM
from .ntm import NTM, TNTM
from .qrnn import QRNN, QRNNF, QRNNIFO
from .rnn import TRNN, ElmanRNN
from .seq2seq import AttentionGRU, AttentionTGRU

MODELS = {
    "rnn": ElmanRNN,
    "t-rnn": TRNN,
    "lstm": LSTM,
    "torch-lstm": TorchLSTM,
    "t-lstm": TLSTM,
    "gru": GRU,
    "t-gru": TGRU,
    "qrnn-f": QRNNF,
    "qrnn-fo": QRNN,
    "qrnn-ifo": QRNNIFO,
    "hm-lstm": HMLSTM,
    "t-hmrnn": THMRNN,
    "ntm": NTM,
    "t-ntm": TNTM,
    "act-rnn": ACTElman,
    "t-act-rnn": TACTRNN,
    "attn-gru": AttentionGRU,
    "t-attn-gru": AttentionTGRU,
}

__all__ = ["MODELS", *(cls.__name__ for cls in MODELS.values())]
