#include "sim/config/model_ops.h"

#include <fmt/format.h>

namespace npusim::config {
namespace {

/// Builds the op list, tracking the current activation shape.
class NetBuilder {
 public:
  NetBuilder(uint32_t channels, uint32_t size) : c_(channels), h_(size), w_(size) {}

  void conv(const std::string& name, uint32_t out_c, uint32_t k, uint32_t stride) {
    const uint32_t pad = k / 2;
    OpSpec op = shaped(name, "conv2d", out_c, (h_ + 2 * pad - k) / stride + 1,
                       (w_ + 2 * pad - k) / stride + 1);
    op.kernel = k;
    op.stride = stride;
    op.params = uint64_t{c_} * out_c * k * k;  // no bias: a batch norm follows
    op.macs = op.params * op.out_h * op.out_w;
    push(op);
  }
  void bn(const std::string& name) {
    OpSpec op = shaped(name, "batchnorm", c_, h_, w_);
    op.params = 2 * uint64_t{c_};  // scale and shift (running statistics are not parameters)
    push(op);
  }
  void relu(const std::string& name) { push(shaped(name, "relu", c_, h_, w_)); }
  void add(const std::string& name) { push(shaped(name, "add", c_, h_, w_)); }
  void maxpool(const std::string& name, uint32_t k, uint32_t stride) {
    const uint32_t pad = k / 2;
    OpSpec op = shaped(name, "maxpool", c_, (h_ + 2 * pad - k) / stride + 1,
                       (w_ + 2 * pad - k) / stride + 1);
    op.kernel = k;
    op.stride = stride;
    push(op);
  }
  void avgpool(const std::string& name) {
    OpSpec op = shaped(name, "avgpool", c_, 1, 1);
    op.kernel = h_;
    op.stride = 1;
    push(op);
  }
  void fc(const std::string& name, uint32_t out) {
    OpSpec op = shaped(name, "fc", out, 1, 1);
    op.params = uint64_t{c_} * h_ * w_ * out + out;
    op.macs = uint64_t{c_} * h_ * w_ * out;
    push(op);
  }
  /// Shape bookkeeping for a residual branch: restore the block input's shape.
  void set_shape(uint32_t c, uint32_t h, uint32_t w) {
    c_ = c;
    h_ = h;
    w_ = w;
  }
  [[nodiscard]] uint32_t c() const { return c_; }
  [[nodiscard]] uint32_t h() const { return h_; }
  [[nodiscard]] uint32_t w() const { return w_; }
  std::vector<OpSpec> take() { return std::move(ops_); }

 private:
  OpSpec shaped(const std::string& name, const char* type, uint32_t out_c, uint32_t out_h,
                uint32_t out_w) const {
    OpSpec op;
    op.name = name;
    op.type = type;
    op.in_channels = c_;
    op.in_h = h_;
    op.in_w = w_;
    op.out_channels = out_c;
    op.out_h = out_h;
    op.out_w = out_w;
    return op;
  }
  void push(const OpSpec& op) {
    ops_.push_back(op);
    set_shape(op.out_channels, op.out_h, op.out_w);
  }

  uint32_t c_, h_, w_;
  std::vector<OpSpec> ops_;
};

}  // namespace

const std::vector<std::string>& op_generators() {
  static const std::vector<std::string> names = {"resnet50-v1.5"};
  return names;
}

std::vector<OpSpec> resnet50_v15_ops(uint32_t image_size, uint32_t num_classes) {
  NetBuilder net(3, image_size);
  net.conv("conv1", 64, 7, 2);
  net.bn("bn1");
  net.relu("relu1");
  net.maxpool("maxpool", 3, 2);
  struct Stage {
    uint32_t blocks, width, stride;
  };
  const Stage stages[] = {{3, 64, 1}, {4, 128, 2}, {6, 256, 2}, {3, 512, 2}};
  for (uint32_t s = 0; s < 4; ++s) {
    for (uint32_t b = 0; b < stages[s].blocks; ++b) {
      const std::string p = fmt::format("layer{}.{}.", s + 1, b);
      const uint32_t stride = b == 0 ? stages[s].stride : 1;
      const uint32_t in_c = net.c(), in_h = net.h(), in_w = net.w();
      const uint32_t out_c = 4 * stages[s].width;
      net.conv(p + "conv1", stages[s].width, 1, 1);
      net.bn(p + "bn1");
      net.relu(p + "relu1");
      net.conv(p + "conv2", stages[s].width, 3, stride);  // v1.5: the stride is here
      net.bn(p + "bn2");
      net.relu(p + "relu2");
      net.conv(p + "conv3", out_c, 1, 1);
      net.bn(p + "bn3");
      const uint32_t oc = net.c(), oh = net.h(), ow = net.w();
      if (b == 0) {  // projection shortcut where the shape changes
        net.set_shape(in_c, in_h, in_w);
        net.conv(p + "downsample.conv", out_c, 1, stride);
        net.bn(p + "downsample.bn");
      }
      net.set_shape(oc, oh, ow);
      net.add(p + "add");
      net.relu(p + "relu3");
    }
  }
  net.avgpool("avgpool");
  net.fc("fc", num_classes);
  return net.take();
}

}  // namespace npusim::config
