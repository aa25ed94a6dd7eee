import pytest
import torch

from designgan.landmarks.loss import heatmap_mse
from designgan.landmarks.model import create_landmark_model
from designgan.landmarks.schema import NUM_LANDMARKS


def test_output_shape_on_tiny_input():
    model = create_landmark_model("hrnet_w18_small", input_height=64, input_width=32).eval()
    with torch.no_grad():
        out = model(torch.randn(2, 3, 64, 32))
    assert out.shape == (2, NUM_LANDMARKS, 64 // model.stride, 32 // model.stride)
    assert model.stride == 2


def test_unknown_model_name():
    with pytest.raises(ValueError, match="unknown landmark model"):
        create_landmark_model("resnet9000")


def test_loss_ignores_zero_weight_and_is_zero_for_perfect_prediction():
    target = torch.rand(2, 3, 8, 8)
    weight = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    assert heatmap_mse(target, target, weight) == 0
    pred = target.clone()
    pred[0, 2] += 5.0  # error only where the weight is 0
    pred[1, 1] -= 3.0
    assert heatmap_mse(pred, target, weight) == 0
    pred[0, 0] += 1.0
    assert heatmap_mse(pred, target, weight) == pytest.approx(1.0 / 4)  # one map off by 1, four counted


def test_loss_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shape mismatch"):
        heatmap_mse(torch.zeros(1, 2, 4, 4), torch.zeros(1, 2, 4, 4), torch.ones(1, 3))


def test_loss_gradient_flows():
    pred = torch.zeros(1, 2, 4, 4, requires_grad=True)
    heatmap_mse(pred, torch.ones(1, 2, 4, 4), torch.tensor([[1.0, 0.0]])).backward()
    assert pred.grad[0, 0].abs().sum() > 0 and pred.grad[0, 1].abs().sum() == 0
